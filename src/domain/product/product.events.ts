import type { DomainEvent } from '../shared/decider';
import type { Money } from '../shared/money';

export type ProductAdded = DomainEvent<'ProductAdded', { productId: string; sku: string; name: string; price: Money }>;
export type ProductRenamed = DomainEvent<'ProductRenamed', { productId: string; name: string }>;
export type ProductPriceChanged = DomainEvent<'ProductPriceChanged', { productId: string; price: Money; previousPrice: Money }>;

export type ProductEvent = ProductAdded | ProductRenamed | ProductPriceChanged;
