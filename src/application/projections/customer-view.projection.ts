import { assertNever, type Money } from '../../domain';
import type { RecordedEvent } from '../ports';
import { handles, type Projection } from './projection';
import { collections, type CustomerViewDocument } from './read-models';

const addTo = (values: readonly Money[], delta: Money): Money[] => {
  const found = values.some((v) => v.currency === delta.currency);
  const updated = found ? values.map((v) => (v.currency === delta.currency ? { ...v, amount: v.amount + delta.amount } : v)) : [...values, delta];
  return updated.sort((a, b) => a.currency.localeCompare(b.currency));
};

const documentId = (event: RecordedEvent): string | null => {
  if (event.type === 'CustomerRegistered' || event.type === 'CustomerRenamed' || event.type === 'CustomerEmailChanged') return event.data.customerId;
  if (event.type === 'OrderCreated' || event.type === 'OrderPaid') return event.data.customerId;
  if (event.type === 'OrderCancelled' && event.data.refund) return event.data.customerId;
  return null;
};

const handled = handles('CustomerRenamed', 'CustomerEmailChanged', 'OrderCreated', 'OrderPaid', 'OrderCancelled');

const evolve = (doc: CustomerViewDocument | null, event: RecordedEvent): CustomerViewDocument | null => {
  const at = event.metadata.occurredAt;
  if (event.type === 'CustomerRegistered') {
    const { customerId, name, email } = event.data;
    return { customerId, name, email, orderCount: doc?.orderCount ?? 0, lifetimeValue: doc?.lifetimeValue ?? [], registeredAt: at, updatedAt: at };
  }
  if (!doc || !handled(event)) return doc;
  switch (event.type) {
    case 'CustomerRenamed':
      return { ...doc, name: event.data.name, updatedAt: at };
    case 'CustomerEmailChanged':
      return { ...doc, email: event.data.email, updatedAt: at };
    case 'OrderCreated':
      return { ...doc, orderCount: doc.orderCount + 1, updatedAt: at };
    case 'OrderPaid':
      return { ...doc, lifetimeValue: addTo(doc.lifetimeValue, event.data.amount), updatedAt: at };
    case 'OrderCancelled': {
      const refund = event.data.refund;
      return refund ? { ...doc, lifetimeValue: addTo(doc.lifetimeValue, { ...refund, amount: -refund.amount }), updatedAt: at } : doc;
    }
    default:
      return assertNever(event);
  }
};

/** A customer with their order count and lifetime value (paid minus refunded, per currency). */
export const customerViewProjection: Projection<CustomerViewDocument> = {
  name: 'customer-view',
  mode: 'catch-up',
  collection: collections.customerView,
  documentId,
  evolve,
};
