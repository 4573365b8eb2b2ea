import { assertNever } from '../../domain';
import type { RecordedEvent } from '../ports';
import { handles, type Projection } from './projection';
import { collections, type DailySalesDocument } from './read-models';

/** The UTC day of the event: sales are counted on the day the payment (or refund) happened. */
const dayOf = (event: RecordedEvent): string => event.metadata.occurredAt.slice(0, 10);

const documentId = (event: RecordedEvent): string | null => {
  if (event.type === 'OrderPaid') return `${dayOf(event)}:${event.data.amount.currency}`;
  if (event.type === 'OrderCancelled' && event.data.refund) return `${dayOf(event)}:${event.data.refund.currency}`;
  return null;
};

const empty = (date: string, currency: string): DailySalesDocument => ({ date, currency, ordersPaid: 0, revenue: 0, ordersRefunded: 0, refunds: 0 });

const handled = handles('OrderPaid', 'OrderCancelled');

const evolve = (doc: DailySalesDocument | null, event: RecordedEvent): DailySalesDocument | null => {
  if (!handled(event)) return doc;
  switch (event.type) {
    case 'OrderPaid': {
      const day = doc ?? empty(dayOf(event), event.data.amount.currency);
      return { ...day, ordersPaid: day.ordersPaid + 1, revenue: day.revenue + event.data.amount.amount };
    }
    case 'OrderCancelled': {
      const refund = event.data.refund;
      if (!refund) return doc;
      const day = doc ?? empty(dayOf(event), refund.currency);
      return { ...day, ordersRefunded: day.ordersRefunded + 1, refunds: day.refunds + refund.amount };
    }
    default:
      return assertNever(event);
  }
};

/** Per day and currency: orders paid and revenue, refunds of cancelled paid orders. */
export const dailySalesProjection: Projection<DailySalesDocument> = {
  name: 'daily-sales',
  mode: 'catch-up',
  collection: collections.dailySales,
  documentId,
  evolve,
};
