import { customerViewProjection as projection } from '../../../src/application/projections/customer-view.projection';
import type { CustomerViewDocument } from '../../../src/application/projections/read-models';
import type { RecordedEvent } from '../../../src/application/ports';
import {
  CUSTOMER_EMAIL,
  CUSTOMER_ID,
  CUSTOMER_NAME,
  customerEmailChanged,
  customerRegistered,
  customerRenamed,
  emailReleased,
  emailReserved,
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
  productPriceChanged,
  productRenamed,
  usd,
} from '../../support/domain-fixtures';
import { itIgnores, LATER, OCCURRED_AT, recorded, recordedLater } from '../../support/recorded-events';

const customer = (fields: Partial<CustomerViewDocument> = {}): CustomerViewDocument => ({
  customerId: CUSTOMER_ID,
  name: CUSTOMER_NAME,
  email: CUSTOMER_EMAIL,
  orderCount: 0,
  lifetimeValue: [],
  registeredAt: OCCURRED_AT,
  updatedAt: OCCURRED_AT,
  ...fields,
});

const evolve = (doc: CustomerViewDocument | null, event: RecordedEvent) => projection.evolve(doc, event, null);

describe('customer view projection', () => {
  describe('CustomerRegistered', () => {
    it('creates the customer with no orders', () => {
      const event = recorded(customerRegistered());
      expect(projection.documentId(event)).toBe(CUSTOMER_ID);
      expect(evolve(null, event)).toEqual(customer());
    });

    it('keeps the counters of a document that already exists', () => {
      const existing = customer({ orderCount: 2, lifetimeValue: [eur(100)] });
      expect(evolve(existing, recordedLater(customerRegistered({ name: 'Ada King' })))).toEqual(
        customer({ name: 'Ada King', orderCount: 2, lifetimeValue: [eur(100)], registeredAt: LATER, updatedAt: LATER }),
      );
    });
  });

  describe('CustomerRenamed', () => {
    it('changes the name', () => {
      expect(evolve(customer(), recordedLater(customerRenamed('Ada King')))).toEqual(customer({ name: 'Ada King', updatedAt: LATER }));
    });
  });

  describe('CustomerEmailChanged', () => {
    it('changes the email', () => {
      const event = recordedLater(customerEmailChanged('ada@king.org'));
      expect(projection.documentId(event)).toBe(CUSTOMER_ID);
      expect(evolve(customer(), event)).toEqual(customer({ email: 'ada@king.org', updatedAt: LATER }));
    });
  });

  describe('OrderCreated', () => {
    it('counts the order for its customer', () => {
      const event = recordedLater(orderCreated());
      expect(projection.documentId(event)).toBe(CUSTOMER_ID);
      expect(evolve(customer({ orderCount: 1 }), event)).toEqual(customer({ orderCount: 2, updatedAt: LATER }));
    });
  });

  describe('OrderPaid', () => {
    it('adds the amount to the lifetime value of its currency', () => {
      const event = recordedLater(orderPaid(eur(2500)));
      expect(projection.documentId(event)).toBe(CUSTOMER_ID);
      expect(evolve(customer({ lifetimeValue: [eur(100)] }), event)).toEqual(customer({ lifetimeValue: [eur(2600)], updatedAt: LATER }));
    });

    it('keeps one entry per currency, sorted by currency', () => {
      expect(evolve(customer({ lifetimeValue: [usd(5)] }), recordedLater(orderPaid(eur(7))))).toEqual(customer({ lifetimeValue: [eur(7), usd(5)], updatedAt: LATER }));
    });
  });

  describe('OrderCancelled', () => {
    it('takes a refund off the lifetime value', () => {
      const event = recordedLater(orderCancelled({ refund: eur(2500) }));
      expect(projection.documentId(event)).toBe(CUSTOMER_ID);
      expect(evolve(customer({ lifetimeValue: [eur(3000)] }), event)).toEqual(customer({ lifetimeValue: [eur(500)], updatedAt: LATER }));
    });

    it('without a refund does not concern the customer view', () => {
      const event = recordedLater(orderCancelled({ refund: null }));
      expect(projection.documentId(event)).toBeNull();
      const doc = customer();
      expect(evolve(doc, event)).toBe(doc);
    });
  });

  it('ignores order and account events of a customer it does not know', () => {
    for (const event of [customerRenamed('x'), customerEmailChanged('x@example.com'), orderCreated(), orderPaid()]) {
      expect(evolve(null, recorded(event))).toBeNull();
    }
  });

  itIgnores(projection, customer(), [
    emailReserved(),
    emailReleased(),
    productAdded(),
    productRenamed('Gizmo'),
    productPriceChanged(eur(1)),
    itemAdded(),
    itemRemoved(),
    orderSubmitted(),
    orderShipped(),
    orderDelivered(),
  ]);
});
