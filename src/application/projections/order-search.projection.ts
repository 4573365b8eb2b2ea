import { assertNever } from '../../domain';
import type { RecordedEvent } from '../ports';
import { customerNames, customerRenamedFanOut, orderIdOf, statusAfter } from './customer-names.reference';
import { handles, type FanOut, type Projection } from './projection';
import { collections, type CustomerNameReference, type OrderSearchDocument } from './read-models';

const handled = handles('OrderItemAdded', 'OrderItemRemoved', 'OrderSubmitted', 'OrderPaid', 'OrderShipped', 'OrderDelivered', 'OrderCancelled');

const evolve = (doc: OrderSearchDocument | null, event: RecordedEvent, customer: CustomerNameReference | null): OrderSearchDocument | null => {
  if (event.type === 'OrderCreated') {
    const { orderId, customerId } = event.data;
    return { orderId, customerId, customerName: customer?.name ?? null, status: 'draft', products: [], createdAt: event.metadata.occurredAt };
  }
  if (!doc || !handled(event)) return doc;
  switch (event.type) {
    case 'OrderItemAdded': {
      const { productId, productName } = event.data;
      const products = doc.products.some((p) => p.productId === productId) ? doc.products : [...doc.products, { productId, name: productName }];
      return { ...doc, products };
    }
    case 'OrderItemRemoved':
      return { ...doc, products: doc.products.filter((p) => p.productId !== event.data.productId) };
    case 'OrderSubmitted':
    case 'OrderPaid':
    case 'OrderShipped':
    case 'OrderDelivered':
    case 'OrderCancelled':
      return { ...doc, status: statusAfter(event) ?? doc.status };
    default:
      return assertNever(event);
  }
};

const fanOut = (event: RecordedEvent): FanOut | null => {
  if (event.type === 'ProductRenamed') {
    const match = { productId: event.data.productId };
    return { where: { array: 'products', elementMatches: match }, setInArray: { array: 'products', elementMatches: match, set: { name: event.data.name } } };
  }
  return customerRenamedFanOut(event);
};

/** Orders findable by customer and product names (full-text). */
export const orderSearchProjection: Projection<OrderSearchDocument, CustomerNameReference> = {
  name: 'order-search',
  mode: 'catch-up',
  collection: collections.orderSearch,
  documentId: orderIdOf,
  evolve,
  fanOut,
  reference: customerNames(collections.orderSearchCustomers),
};
