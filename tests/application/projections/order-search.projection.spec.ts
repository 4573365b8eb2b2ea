import { orderSearchProjection as projection } from '../../../src/application/projections/order-search.projection';
import type { OrderSearchDocument } from '../../../src/application/projections/read-models';
import type { RecordedEvent } from '../../../src/application/ports';
import {
  CUSTOMER_ID,
  CUSTOMER_NAME,
  OTHER_PRODUCT_ID,
  OTHER_PRODUCT_NAME,
  ORDER_ID,
  PRODUCT_ID,
  PRODUCT_NAME,
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
import { itIgnores, OCCURRED_AT, recorded } from '../../support/recorded-events';

const draft = (fields: Partial<OrderSearchDocument> = {}): OrderSearchDocument => ({
  orderId: ORDER_ID,
  customerId: CUSTOMER_ID,
  customerName: CUSTOMER_NAME,
  status: 'draft',
  products: [],
  createdAt: OCCURRED_AT,
  ...fields,
});
const widget = { productId: PRODUCT_ID, name: PRODUCT_NAME };
const gadget = { productId: OTHER_PRODUCT_ID, name: OTHER_PRODUCT_NAME };
const withWidget = draft({ products: [widget] });

const evolve = (doc: OrderSearchDocument | null, event: RecordedEvent, reference: { name: string } | null = null) => projection.evolve(doc, event, reference);

describe('order search projection', () => {
  describe('OrderCreated', () => {
    it('indexes the order under its customer name', () => {
      const event = recorded(orderCreated());
      expect(projection.documentId(event)).toBe(ORDER_ID);
      expect(evolve(null, event, { name: CUSTOMER_NAME })).toEqual(draft());
      expect(evolve(null, event, null)).toEqual(draft({ customerName: null }));
    });
  });

  describe('OrderItemAdded', () => {
    it('adds the product name', () => {
      expect(evolve(withWidget, recorded(otherItemAdded()))).toEqual(draft({ products: [widget, gadget] }));
    });

    it('lists a product once however often it is added', () => {
      expect(evolve(withWidget, recorded(itemAdded({ quantity: 5 })))).toEqual(withWidget);
    });

    it('needs the order to exist', () => {
      expect(evolve(null, recorded(itemAdded()))).toBeNull();
    });
  });

  describe('OrderItemRemoved', () => {
    it('forgets the product', () => {
      expect(evolve(draft({ products: [widget, gadget] }), recorded(itemRemoved()))).toEqual(draft({ products: [gadget] }));
    });
  });

  describe.each([
    ['OrderSubmitted', orderSubmitted(), 'submitted'],
    ['OrderPaid', orderPaid(), 'paid'],
    ['OrderShipped', orderShipped(), 'shipped'],
    ['OrderDelivered', orderDelivered(), 'delivered'],
    ['OrderCancelled', orderCancelled(), 'cancelled'],
  ] as const)('%s', (_type, event, status) => {
    it(`sets the status to ${status}`, () => {
      expect(evolve(withWidget, recorded(event))).toEqual({ ...withWidget, status });
    });
  });

  describe('fan-outs', () => {
    it('CustomerRenamed renames the customer on all their orders', () => {
      expect(projection.fanOut?.(recorded(customerRenamed('Ada King')))).toEqual({
        where: { field: 'customerId', equals: CUSTOMER_ID },
        set: { customerName: 'Ada King' },
      });
    });

    it('ProductRenamed renames the product in every order that holds it', () => {
      const match = { productId: PRODUCT_ID };
      expect(projection.fanOut?.(recorded(productRenamed('Widget Pro')))).toEqual({
        where: { array: 'products', elementMatches: match },
        setInArray: { array: 'products', elementMatches: match, set: { name: 'Widget Pro' } },
      });
    });
  });

  itIgnores(projection, withWidget, [
    customerRegistered(),
    customerEmailChanged('x@example.com'),
    emailReserved(),
    emailReleased(),
    productAdded(),
    productPriceChanged(eur(1)),
  ]);
});
