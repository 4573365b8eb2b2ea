import { customerViewProjection } from './customer-view.projection';
import { dailySalesProjection } from './daily-sales.projection';
import { orderDetailsProjection } from './order-details.projection';
import { orderListProjection } from './order-list.projection';
import { orderSearchProjection } from './order-search.projection';
import { productCatalogProjection } from './product-catalog.projection';
import type { AnyProjection } from './projection';

/** Every read model of the service. */
export const projections: readonly AnyProjection[] = [
  orderListProjection,
  orderDetailsProjection,
  customerViewProjection,
  productCatalogProjection,
  dailySalesProjection,
  orderSearchProjection,
];
