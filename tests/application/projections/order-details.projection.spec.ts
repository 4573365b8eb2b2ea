import { orderDetailsProjection as projection } from '../../../src/application/projections/order-details.projection';
import type { OrderDetailsDocument } from '../../../src/application/projections/read-models';
import type { RecordedEvent } from '../../../src/application/ports';
import {
  CANCEL_REASON,
  CUSTOMER_ID,
  CUSTOMER_NAME,
  OTHER_PRODUCT_ID,
  OTHER_PRODUCT_NAME,
  ORDER_ID,
  PRODUCT_ID,
  PRODUCT_NAME,
  TRACKING_NUMBER,
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
  otherItemAdded,
  productAdded,
  productPriceChanged,
  productRenamed,
} from '../../support/domain-fixtures';
import { itIgnores, LATER, OCCURRED_AT, recorded, recordedLater } from '../../support/recorded-events';

const draft = (fields: Partial<OrderDetailsDocument> = {}): OrderDetailsDocument => ({
  orderId: ORDER_ID,
  customerId: CUSTOMER_ID,
  customerName: CUSTOMER_NAME,
  status: 'draft',
  currency: 'EUR',
  items: [],
  total: eur(0),
  trackingNumber: null,
  cancellationReason: null,
  createdAt: OCCURRED_AT,
  updatedAt: OCCURRED_AT,
  revision: 0,
  ...fields,
});

const widgetLine = { productId: PRODUCT_ID, productName: PRODUCT_NAME, quantity: 2, unitPrice: eur(1250), subtotal: eur(2500) };
const gadgetLine = { productId: OTHER_PRODUCT_ID, productName: OTHER_PRODUCT_NAME, quantity: 1, unitPrice: eur(799), subtotal: eur(799) };
const withOneLine = draft({ items: [widgetLine], total: eur(2500), revision: 1 });

const evolve = (doc: OrderDetailsDocument | null, event: RecordedEvent, reference: { name: string } | null = null) => projection.evolve(doc, event, reference);

describe('order details projection', () => {
  describe('OrderCreated', () => {
    it('starts an empty draft at the event revision, named from the reference', () => {
      const event = recorded(orderCreated(), { revision: 0 });
      expect(projection.documentId(event)).toBe(ORDER_ID);
      expect(projection.reference?.lookupId(event)).toBe(CUSTOMER_ID);
      expect(evolve(null, event, { name: CUSTOMER_NAME })).toEqual(draft());
      expect(evolve(null, event, null)).toEqual(draft({ customerName: null }));
    });
  });

  describe('OrderItemAdded', () => {
    it('adds an item with its product name, unit price and subtotal', () => {
      const event = recordedLater(otherItemAdded(), { revision: 2 });
      expect(evolve(withOneLine, event)).toEqual({ ...withOneLine, items: [widgetLine, gadgetLine], total: eur(3299), revision: 2, updatedAt: LATER });
    });

    it('merges into an existing item: quantities add up, the new price and name apply', () => {
      const event = recordedLater(itemAdded({ quantity: 1, unitPrice: eur(1000), productName: 'Widget Pro' }), { revision: 2 });
      expect(evolve(withOneLine, event)).toEqual({
        ...withOneLine,
        items: [{ productId: PRODUCT_ID, productName: 'Widget Pro', quantity: 3, unitPrice: eur(1000), subtotal: eur(3000) }],
        total: eur(3000),
        revision: 2,
        updatedAt: LATER,
      });
    });

    it('needs the order to exist', () => {
      expect(evolve(null, recorded(itemAdded()))).toBeNull();
    });
  });

  describe('OrderItemRemoved', () => {
    it('removes the item and recomputes the total', () => {
      const twoItems = draft({ items: [widgetLine, gadgetLine], total: eur(3299), revision: 2 });
      expect(evolve(twoItems, recordedLater(itemRemoved(), { revision: 3 }))).toEqual({
        ...twoItems,
        items: [gadgetLine],
        total: eur(799),
        revision: 3,
        updatedAt: LATER,
      });
    });
  });

  describe.each([
    ['OrderSubmitted', orderSubmitted(), { status: 'submitted' }],
    ['OrderPaid', orderPaid(), { status: 'paid' }],
    ['OrderShipped', orderShipped(), { status: 'shipped', trackingNumber: TRACKING_NUMBER }],
    ['OrderDelivered', orderDelivered(), { status: 'delivered' }],
    ['OrderCancelled', orderCancelled(), { status: 'cancelled', cancellationReason: CANCEL_REASON }],
  ] as const)('%s', (_type, event, change) => {
    it(`sets ${Object.keys(change).join(' and ')}, the revision and updatedAt`, () => {
      const recordedEvent = recordedLater(event, { revision: 5 });
      expect(projection.documentId(recordedEvent)).toBe(ORDER_ID);
      expect(evolve(withOneLine, recordedEvent)).toEqual({ ...withOneLine, ...change, revision: 5, updatedAt: LATER });
    });
  });

  describe('fan-outs', () => {
    it('CustomerRenamed renames the customer on all their orders', () => {
      const event = recorded(customerRenamed('Ada King'));
      expect(projection.documentId(event)).toBeNull();
      expect(projection.fanOut?.(event)).toEqual({ where: { field: 'customerId', equals: CUSTOMER_ID }, set: { customerName: 'Ada King' } });
    });

    it('ProductRenamed renames the matching items of every order (the price stays)', () => {
      const event = recorded(productRenamed('Widget Pro'));
      expect(projection.documentId(event)).toBeNull();
      const match = { productId: PRODUCT_ID };
      expect(projection.fanOut?.(event)).toEqual({
        where: { array: 'items', elementMatches: match },
        setInArray: { array: 'items', elementMatches: match, set: { productName: 'Widget Pro' } },
      });
    });
  });

  it('keeps its own customer names reference', () => {
    const reference = projection.reference!;
    expect(reference.collection).toBe('order_details_customers');
    expect(reference.evolve(null, recorded(customerRegistered()))).toEqual({ name: CUSTOMER_NAME });
  });

  itIgnores(projection, withOneLine, [
    customerRegistered(),
    customerEmailChanged('x@example.com'),
    emailReserved(),
    emailReleased(),
    productAdded(),
    productPriceChanged(eur(1)),
  ]);
});
