import { orderListProjection as projection } from '../../../src/application/projections/order-list.projection';
import type { OrderListDocument } from '../../../src/application/projections/read-models';
import {
  CUSTOMER_ID,
  CUSTOMER_NAME,
  OTHER_CUSTOMER_ID,
  OTHER_PRODUCT_ID,
  ORDER_ID,
  PRODUCT_ID,
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
  otherItemAdded,
  productAdded,
  productRenamed,
  customerEmailChanged,
  productPriceChanged,
  emailReserved,
  emailReleased,
} from '../../support/domain-fixtures';
import { itIgnores, LATER, OCCURRED_AT, recorded, recordedLater } from '../../support/recorded-events';

const draft = (fields: Partial<OrderListDocument> = {}): OrderListDocument => ({
  orderId: ORDER_ID,
  customerId: CUSTOMER_ID,
  customerName: CUSTOMER_NAME,
  status: 'draft',
  currency: 'EUR',
  itemCount: 0,
  total: eur(0),
  lines: [],
  createdAt: OCCURRED_AT,
  updatedAt: OCCURRED_AT,
  ...fields,
});

const withOneLine = draft({ itemCount: 2, total: eur(2500), lines: [{ productId: PRODUCT_ID, quantity: 2, unitAmount: 1250 }] });

const evolve = (doc: OrderListDocument | null, event: Parameters<typeof projection.evolve>[1], reference: { name: string } | null = null) =>
  projection.evolve(doc, event, reference);

describe('order list projection', () => {
  describe('OrderCreated', () => {
    it('starts a draft with the customer name from the reference', () => {
      const event = recorded(orderCreated());
      expect(projection.documentId(event)).toBe(ORDER_ID);
      expect(projection.reference?.lookupId(event)).toBe(CUSTOMER_ID);
      expect(evolve(null, event, { name: CUSTOMER_NAME })).toEqual(draft());
    });

    it('has no customer name when the reference does not know the customer', () => {
      expect(evolve(null, recorded(orderCreated()), null)).toEqual(draft({ customerName: null }));
    });
  });

  describe('OrderItemAdded', () => {
    it('adds a line and recomputes item count and total', () => {
      const event = recordedLater(otherItemAdded());
      expect(projection.documentId(event)).toBe(ORDER_ID);
      expect(evolve(withOneLine, event)).toEqual({
        ...withOneLine,
        lines: [...withOneLine.lines, { productId: OTHER_PRODUCT_ID, quantity: 1, unitAmount: 799 }],
        itemCount: 3,
        total: eur(2500 + 799),
        updatedAt: LATER,
      });
    });

    it('adds to an existing line and reprices it to the new unit price', () => {
      const event = recordedLater(itemAdded({ quantity: 3, unitPrice: eur(1000) }));
      expect(evolve(withOneLine, event)).toEqual({
        ...withOneLine,
        lines: [{ productId: PRODUCT_ID, quantity: 5, unitAmount: 1000 }],
        itemCount: 5,
        total: eur(5000),
        updatedAt: LATER,
      });
    });

    it('needs the order to exist', () => {
      expect(evolve(null, recorded(itemAdded()))).toBeNull();
    });
  });

  describe('OrderItemRemoved', () => {
    it('drops the line and recomputes item count and total', () => {
      const twoLines = evolve(withOneLine, recorded(otherItemAdded())) as OrderListDocument;
      expect(evolve(twoLines, recordedLater(itemRemoved()))).toEqual({
        ...twoLines,
        lines: [{ productId: OTHER_PRODUCT_ID, quantity: 1, unitAmount: 799 }],
        itemCount: 1,
        total: eur(799),
        updatedAt: LATER,
      });
    });
  });

  describe.each([
    ['OrderSubmitted', orderSubmitted(), 'submitted'],
    ['OrderPaid', orderPaid(), 'paid'],
    ['OrderShipped', orderShipped(), 'shipped'],
    ['OrderDelivered', orderDelivered(), 'delivered'],
    ['OrderCancelled', orderCancelled(), 'cancelled'],
  ] as const)('%s', (_type, event, status) => {
    it(`sets the status to ${status} and keeps the totals`, () => {
      const recordedEvent = recordedLater(event);
      expect(projection.documentId(recordedEvent)).toBe(ORDER_ID);
      expect(evolve(withOneLine, recordedEvent)).toEqual({ ...withOneLine, status, updatedAt: LATER });
    });
  });

  describe('CustomerRenamed', () => {
    it('is a fan-out to every order of the customer, not a document change', () => {
      const event = recorded(customerRenamed('Ada King'));
      expect(projection.documentId(event)).toBeNull();
      expect(projection.fanOut?.(event)).toEqual({ where: { field: 'customerId', equals: CUSTOMER_ID }, set: { customerName: 'Ada King' } });
    });
  });

  describe('customer names reference', () => {
    const reference = projection.reference!;

    it('CustomerRegistered records the name', () => {
      const event = recorded(customerRegistered());
      expect(reference.documentId(event)).toBe(CUSTOMER_ID);
      expect(reference.evolve(null, event)).toEqual({ name: CUSTOMER_NAME });
    });

    it('CustomerRenamed replaces the name', () => {
      const event = recorded(customerRenamed('Ada King'));
      expect(reference.documentId(event)).toBe(CUSTOMER_ID);
      expect(reference.evolve({ name: CUSTOMER_NAME }, event)).toEqual({ name: 'Ada King' });
    });

    it('ignores everything else and is looked up only by OrderCreated', () => {
      for (const event of [customerEmailChanged('x@example.com'), productAdded(), orderPaid(), itemAdded()].map((e) => recorded(e))) {
        expect(reference.documentId(event)).toBeNull();
        expect(reference.lookupId(event)).toBeNull();
        expect(reference.evolve({ name: 'kept' }, event)).toEqual({ name: 'kept' });
      }
      expect(reference.lookupId(recorded(orderCreated({ customerId: OTHER_CUSTOMER_ID })))).toBe(OTHER_CUSTOMER_ID);
    });
  });

  itIgnores(projection, withOneLine, [
    customerRegistered(),
    customerEmailChanged('x@example.com'),
    emailReserved(),
    emailReleased(),
    productAdded(),
    productRenamed('Gizmo'),
    productPriceChanged(eur(1)),
  ]);
});
