import { assertNever, type ServiceEventType } from '../../domain';
import type { RecordedEvent } from '../ports';
import type { Reference } from './projection';
import type { CustomerNameReference } from './read-models';

/** The customer names an order projection needs when an order is created, kept by that projection itself. */
export const customerNames = (collection: string): Reference<CustomerNameReference> => ({
  collection,
  documentId: (event) => (event.type === 'CustomerRegistered' || event.type === 'CustomerRenamed' ? event.data.customerId : null),
  evolve: (reference, event: RecordedEvent) =>
    event.type === 'CustomerRegistered' || event.type === 'CustomerRenamed' ? { name: event.data.name } : reference,
  lookupId: (event) => (event.type === 'OrderCreated' ? event.data.customerId : null),
});

/** For projections whose documents are orders: the order id an event is about, if it is an order event. */
export const orderIdOf = (event: RecordedEvent): string | null => {
  switch (event.type) {
    case 'OrderCreated':
    case 'OrderItemAdded':
    case 'OrderItemRemoved':
    case 'OrderSubmitted':
    case 'OrderPaid':
    case 'OrderShipped':
    case 'OrderDelivered':
    case 'OrderCancelled':
      return event.data.orderId;
    case 'CustomerRegistered':
    case 'CustomerRenamed':
    case 'CustomerEmailChanged':
    case 'EmailReserved':
    case 'EmailReleased':
    case 'ProductAdded':
    case 'ProductRenamed':
    case 'ProductPriceChanged':
      return null;
    default:
      return assertNever(event);
  }
};

const STATUS_AFTER: Partial<Record<ServiceEventType, string>> = {
  OrderCreated: 'draft',
  OrderSubmitted: 'submitted',
  OrderPaid: 'paid',
  OrderShipped: 'shipped',
  OrderDelivered: 'delivered',
  OrderCancelled: 'cancelled',
};

/** The status an order event moves the order to, or null when it does not change the status. */
export const statusAfter = (event: RecordedEvent): string | null => STATUS_AFTER[event.type] ?? null;

export const customerRenamedFanOut = (event: RecordedEvent) =>
  event.type === 'CustomerRenamed' ? { where: { field: 'customerId', equals: event.data.customerId }, set: { customerName: event.data.name } } : null;
