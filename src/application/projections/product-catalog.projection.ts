import { assertNever } from '../../domain';
import type { RecordedEvent } from '../ports';
import { handles, type Projection } from './projection';
import { collections, type ProductCatalogDocument } from './read-models';

const documentId = (event: RecordedEvent): string | null =>
  event.type === 'ProductAdded' || event.type === 'ProductRenamed' || event.type === 'ProductPriceChanged' ? event.data.productId : null;

const handled = handles('ProductRenamed', 'ProductPriceChanged');

const evolve = (doc: ProductCatalogDocument | null, event: RecordedEvent): ProductCatalogDocument | null => {
  const at = event.metadata.occurredAt;
  if (event.type === 'ProductAdded') return { ...event.data, addedAt: at, updatedAt: at };
  if (!doc || !handled(event)) return doc;
  switch (event.type) {
    case 'ProductRenamed':
      return { ...doc, name: event.data.name, updatedAt: at };
    case 'ProductPriceChanged':
      return { ...doc, price: event.data.price, updatedAt: at };
    default:
      return assertNever(event);
  }
};

/**
 * Products: each document follows exactly one stream, so it is safe under reordering across
 * streams and runs on a persistent subscription (competing consumers, revision guard).
 */
export const productCatalogProjection: Projection<ProductCatalogDocument> = {
  name: 'product-catalog',
  mode: 'persistent',
  collection: collections.productCatalog,
  documentId,
  evolve,
};
