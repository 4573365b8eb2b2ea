import { dailySalesProjection as projection } from '../../../src/application/projections/daily-sales.projection';
import type { DailySalesDocument } from '../../../src/application/projections/read-models';
import type { RecordedEvent } from '../../../src/application/ports';
import {
  customerRegistered,
  customerRenamed,
  eur,
  itemAdded,
  itemRemoved,
  orderCancelled,
  orderCreated,
  orderDelivered,
  orderPaid,
  orderShipped,
  orderSubmitted,
  productAdded,
  usd,
} from '../../support/domain-fixtures';
import { itIgnores, recorded } from '../../support/recorded-events';

const DAY = '2024-05-01';
const lateInTheDay = `${DAY}T23:59:59.999Z`;

const day = (fields: Partial<DailySalesDocument> = {}): DailySalesDocument => ({
  date: DAY,
  currency: 'EUR',
  ordersPaid: 0,
  revenue: 0,
  ordersRefunded: 0,
  refunds: 0,
  ...fields,
});

const evolve = (doc: DailySalesDocument | null, event: RecordedEvent) => projection.evolve(doc, event, null);

describe('daily sales projection', () => {
  describe('OrderPaid', () => {
    it('is counted on the UTC day it happened, per currency', () => {
      expect(projection.documentId(recorded(orderPaid(eur(2500)), { occurredAt: lateInTheDay }))).toBe(`${DAY}:EUR`);
      expect(projection.documentId(recorded(orderPaid(usd(1)), { occurredAt: '2024-05-02T00:00:00.000Z' }))).toBe('2024-05-02:USD');
    });

    it('starts the day with one order and its revenue', () => {
      expect(evolve(null, recorded(orderPaid(eur(2500)), { occurredAt: lateInTheDay }))).toEqual(day({ ordersPaid: 1, revenue: 2500 }));
    });

    it('adds to a day that has sales', () => {
      expect(evolve(day({ ordersPaid: 1, revenue: 100, ordersRefunded: 1, refunds: 40 }), recorded(orderPaid(eur(2500))))).toEqual(
        day({ ordersPaid: 2, revenue: 2600, ordersRefunded: 1, refunds: 40 }),
      );
    });
  });

  describe('OrderCancelled', () => {
    it('with a refund counts the refund on the day of the cancellation', () => {
      const event = recorded(orderCancelled({ refund: usd(700) }), { occurredAt: lateInTheDay });
      expect(projection.documentId(event)).toBe(`${DAY}:USD`);
      expect(evolve(null, event)).toEqual(day({ currency: 'USD', ordersRefunded: 1, refunds: 700 }));
      expect(evolve(day({ currency: 'USD', ordersPaid: 3, revenue: 900 }), event)).toEqual(
        day({ currency: 'USD', ordersPaid: 3, revenue: 900, ordersRefunded: 1, refunds: 700 }),
      );
    });

    it('without a refund is not a sale', () => {
      const event = recorded(orderCancelled({ refund: null }));
      expect(projection.documentId(event)).toBeNull();
      const doc = day({ ordersPaid: 1 });
      expect(evolve(doc, event)).toBe(doc);
    });
  });

  itIgnores(projection, day(), [customerRegistered(), customerRenamed('x'), productAdded(), orderCreated(), itemAdded(), itemRemoved(), orderSubmitted(), orderShipped(), orderDelivered()]);
});
