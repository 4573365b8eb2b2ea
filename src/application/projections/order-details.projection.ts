import { assertNever, type Money } from '../../domain';
import type { RecordedEvent } from '../ports';
import { customerNames, customerRenamedFanOut, orderIdOf, statusAfter } from './customer-names.reference';
import { handles, type FanOut, type Projection } from './projection';
import { collections, type CustomerNameReference, type OrderDetailsDocument, type OrderDetailsItem } from './read-models';

const times = (price: Money, quantity: number): Money => ({ amount: price.amount * quantity, currency: price.currency });

const withItems = (doc: OrderDetailsDocument, items: readonly OrderDetailsItem[]) => ({
  ...doc,
  items,
  total: { amount: items.reduce((sum, item) => sum + item.subtotal.amount, 0), currency: doc.currency },
});

const handled = handles('OrderItemAdded', 'OrderItemRemoved', 'OrderSubmitted', 'OrderPaid', 'OrderShipped', 'OrderDelivered', 'OrderCancelled');

const evolve = (doc: OrderDetailsDocument | null, event: RecordedEvent, customer: CustomerNameReference | null): OrderDetailsDocument | null => {
  const at = event.metadata.occurredAt;
  if (event.type === 'OrderCreated') {
    const { orderId, customerId, currency } = event.data;
    return {
      orderId, customerId, customerName: customer?.name ?? null, status: 'draft', currency, items: [], total: { amount: 0, currency },
      trackingNumber: null, cancellationReason: null, createdAt: at, updatedAt: at, revision: event.revision,
    };
  }
  if (!doc || !handled(event)) return doc;
  const touched = { ...doc, updatedAt: at, revision: event.revision };
  switch (event.type) {
    case 'OrderItemAdded': {
      const { productId, productName, quantity, unitPrice } = event.data;
      const existing = doc.items.find((item) => item.productId === productId);
      const merged = { productId, productName, quantity: (existing?.quantity ?? 0) + quantity, unitPrice };
      const item = { ...merged, subtotal: times(unitPrice, merged.quantity) };
      return withItems(touched, existing ? doc.items.map((i) => (i.productId === productId ? item : i)) : [...doc.items, item]);
    }
    case 'OrderItemRemoved':
      return withItems(touched, doc.items.filter((item) => item.productId !== event.data.productId));
    case 'OrderSubmitted':
    case 'OrderPaid':
    case 'OrderDelivered':
      return { ...touched, status: statusAfter(event) ?? doc.status };
    case 'OrderShipped':
      return { ...touched, status: 'shipped', trackingNumber: event.data.trackingNumber };
    case 'OrderCancelled':
      return { ...touched, status: 'cancelled', cancellationReason: event.data.reason };
    default:
      return assertNever(event);
  }
};

// Lines keep the price they were added at; the display name follows the product's renames.
const fanOut = (event: RecordedEvent): FanOut | null => {
  if (event.type === 'ProductRenamed') {
    const match = { productId: event.data.productId };
    return { where: { array: 'items', elementMatches: match }, setInArray: { array: 'items', elementMatches: match, set: { productName: event.data.name } } };
  }
  return customerRenamedFanOut(event);
};

/** One order with its lines, product names, tracking number and the stream revision it reflects. */
export const orderDetailsProjection: Projection<OrderDetailsDocument, CustomerNameReference> = {
  name: 'order-details',
  mode: 'catch-up',
  collection: collections.orderDetails,
  documentId: orderIdOf,
  evolve,
  fanOut,
  reference: customerNames(collections.orderDetailsCustomers),
};
