import { assertNever } from '../../domain';
import type { RecordedEvent } from '../ports';
import { customerNames, customerRenamedFanOut, orderIdOf, statusAfter } from './customer-names.reference';
import { handles, type Projection } from './projection';
import { collections, type CustomerNameReference, type OrderListDocument, type OrderListLine } from './read-models';

const summarize = (doc: OrderListDocument, lines: readonly OrderListLine[], updatedAt: string): OrderListDocument => ({
  ...doc,
  lines,
  itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
  total: { amount: lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0), currency: doc.currency },
  updatedAt,
});

const handled = handles('OrderItemAdded', 'OrderItemRemoved', 'OrderSubmitted', 'OrderPaid', 'OrderShipped', 'OrderDelivered', 'OrderCancelled');

const evolve = (doc: OrderListDocument | null, event: RecordedEvent, customer: CustomerNameReference | null): OrderListDocument | null => {
  const at = event.metadata.occurredAt;
  if (event.type === 'OrderCreated') {
    const { orderId, customerId, currency } = event.data;
    return { orderId, customerId, customerName: customer?.name ?? null, status: 'draft', currency, itemCount: 0, total: { amount: 0, currency }, lines: [], createdAt: at, updatedAt: at };
  }
  if (!doc || !handled(event)) return doc;
  switch (event.type) {
    case 'OrderItemAdded': {
      const { productId, quantity, unitPrice } = event.data;
      const existing = doc.lines.find((line) => line.productId === productId);
      const lines = existing
        ? doc.lines.map((line) => (line.productId === productId ? { productId, quantity: line.quantity + quantity, unitAmount: unitPrice.amount } : line))
        : [...doc.lines, { productId, quantity, unitAmount: unitPrice.amount }];
      return summarize(doc, lines, at);
    }
    case 'OrderItemRemoved':
      return summarize(doc, doc.lines.filter((line) => line.productId !== event.data.productId), at);
    case 'OrderSubmitted':
    case 'OrderPaid':
    case 'OrderShipped':
    case 'OrderDelivered':
    case 'OrderCancelled':
      return { ...doc, status: statusAfter(event) ?? doc.status, updatedAt: at };
    default:
      return assertNever(event);
  }
};

/** Orders for lists: customer name, item count, total, status. */
export const orderListProjection: Projection<OrderListDocument, CustomerNameReference> = {
  name: 'order-list',
  mode: 'catch-up',
  collection: collections.orderList,
  documentId: orderIdOf,
  evolve,
  fanOut: customerRenamedFanOut,
  reference: customerNames(collections.orderListCustomers),
};
