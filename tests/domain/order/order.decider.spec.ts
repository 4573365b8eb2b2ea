import {
  CurrencyMismatch,
  EmptyOrder,
  fold,
  InvalidValue,
  ItemNotInOrder,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_PRICE_AMOUNT,
  type Money,
  OrderAlreadyCancelled,
  OrderAlreadyDelivered,
  OrderAlreadyExists,
  OrderAlreadyPaid,
  OrderAlreadyShipped,
  type OrderCommand,
  orderDecider,
  type OrderEvent,
  OrderNotDraft,
  OrderNotFound,
  OrderNotPaid,
  OrderNotShipped,
  OrderNotSubmitted,
  type OrderState,
  PaymentMismatch,
  QuantityLimitExceeded,
  TooManyItems,
} from '../../../src/domain';
import {
  addItem,
  CANCEL_REASON,
  cancelledOrder,
  cancelOrder,
  confirmPayment,
  createOrder,
  CUSTOMER_ID,
  deliveredOrder,
  deliverOrder,
  draftOrder,
  eur,
  itemAdded,
  itemRemoved,
  ORDER_ID,
  ORDER_TOTAL,
  orderCancelled,
  orderCreated,
  orderDelivered,
  orderPaid,
  orderShipped,
  orderSubmitted,
  OTHER_PRICE,
  OTHER_PRODUCT_ID,
  OTHER_PRODUCT_NAME,
  otherItemAdded,
  paidOrder,
  PRICE,
  PRODUCT_ID,
  PRODUCT_NAME,
  productIdNo,
  QUANTITY,
  removeItem,
  shippedOrder,
  shipOrder,
  submitOrder,
  submittedOrder,
  TRACKING_NUMBER,
  UPPER_CASE_UUID,
  usd,
} from '../../support/domain-fixtures';
import { deciderSpec } from '../../support/gwt';

const spec = deciderSpec(orderDecider);

type History = () => OrderEvent[];

// Statuses past draft, in which the contents of an order are frozen.
const pastDraft: [string, History][] = [
  ['submitted', submittedOrder],
  ['paid', paidOrder],
  ['shipped', shippedOrder],
  ['delivered', deliveredOrder],
];

/** Every command the order can receive once it exists. */
const commandsOnExistingOrder = (): [string, OrderCommand][] =>
  [addItem(), removeItem(), submitOrder(), confirmPayment(), shipOrder(), deliverOrder(), cancelOrder()].map((command) => [
    command.type,
    command,
  ]);

/** `count` distinct one-unit lines: an order at the line limit when count = MAX_ORDER_LINES. */
const lines = (count: number): OrderEvent[] =>
  Array.from({ length: count }, (_, i) => itemAdded({ productId: productIdNo(i + 1), quantity: 1 }));

describe('Order decider', () => {
  describe('lifecycle', () => {
    it('walks draft → submitted → paid → shipped → delivered', () => {
      const steps: [OrderCommand, OrderEvent][] = [
        [createOrder(), orderCreated()],
        [addItem(), itemAdded()],
        [submitOrder(), orderSubmitted(ORDER_TOTAL)],
        [confirmPayment(ORDER_TOTAL), orderPaid(ORDER_TOTAL)],
        [shipOrder(), orderShipped()],
        [deliverOrder(), orderDelivered()],
      ];
      const history: OrderEvent[] = [];
      for (const [command, event] of steps) {
        spec.given(history).when(command).then([event]);
        history.push(event);
      }
      expect(fold(orderDecider, orderDecider.initialState, history).status).toBe('delivered');
    });
  });

  describe('CreateOrder', () => {
    it('creates a draft order', () => {
      spec.given([]).when(createOrder()).then([orderCreated()]);
    });

    it('accepts any active ISO 4217 currency', () => {
      spec.given([]).when(createOrder({ currency: 'JPY' })).then([orderCreated({ currency: 'JPY' })]);
    });

    it.each<[string, History]>([['draft', draftOrder], ...pastDraft, ['cancelled', cancelledOrder]])(
      'refuses to create an order that already exists (%s)',
      (_, history) => {
        spec.given(history()).when(createOrder()).thenThrows(OrderAlreadyExists, { orderId: ORDER_ID });
      },
    );

    it.each([
      ['orderId', { orderId: 'order-1' }],
      ['orderId', { orderId: UPPER_CASE_UUID }],
      ['customerId', { customerId: 'customer-1' }],
      ['customerId', { customerId: '' }],
      ['currency', { currency: 'XXX' }],
      ['currency', { currency: 'eur' }],
      ['currency', { currency: '' }],
    ])('rejects an invalid %s: %j', (field, fields) => {
      spec.given([]).when(createOrder(fields)).thenThrows(InvalidValue, { field });
    });
  });

  describe('AddItem', () => {
    it('adds a line to a draft order', () => {
      spec.given([orderCreated()]).when(addItem()).then([itemAdded()]);
    });

    it('adds another product as a separate line', () => {
      spec
        .given(draftOrder())
        .when(addItem({ productId: OTHER_PRODUCT_ID, productName: OTHER_PRODUCT_NAME, unitPrice: OTHER_PRICE, quantity: 1 }))
        .then([otherItemAdded()]);
    });

    it('trims the product name', () => {
      spec.given([orderCreated()]).when(addItem({ productName: '  Widget ' })).then([itemAdded({ productName: PRODUCT_NAME })]);
    });

    it('accepts a free product', () => {
      spec.given([orderCreated()]).when(addItem({ unitPrice: eur(0) })).then([itemAdded({ unitPrice: eur(0) })]);
    });

    it('adds a product already in the order as more units of it, at its current price', () => {
      spec
        .given(draftOrder())
        .when(addItem({ quantity: 3, unitPrice: eur(1300) }))
        .then([itemAdded({ quantity: 3, unitPrice: eur(1300) })]);
    });

    it('reprices the whole line when a product is added again: the total uses the new unit price', () => {
      spec
        .given([...draftOrder(), itemAdded({ quantity: 3, unitPrice: eur(1300) })])
        .when(submitOrder())
        .then([orderSubmitted(eur((QUANTITY + 3) * 1300))]);
    });

    describe('quantity', () => {
      it.each([1, MAX_LINE_QUANTITY])('accepts %d units', (quantity) => {
        spec.given([orderCreated()]).when(addItem({ quantity })).then([itemAdded({ quantity })]);
      });

      it.each([0, -1, 1.5, MAX_LINE_QUANTITY + 1, Number.NaN, Number.POSITIVE_INFINITY])('rejects a quantity of %d', (quantity) => {
        spec.given([orderCreated()]).when(addItem({ quantity })).thenThrows(InvalidValue, { field: 'quantity' });
      });

      it('allows a line to reach exactly MAX_LINE_QUANTITY', () => {
        spec
          .given([orderCreated(), itemAdded({ quantity: MAX_LINE_QUANTITY - 1 })])
          .when(addItem({ quantity: 1 }))
          .then([itemAdded({ quantity: 1 })]);
      });

      it.each([
        ['over the limit', MAX_LINE_QUANTITY - 1, 2],
        ['already at the limit', MAX_LINE_QUANTITY, 1],
      ])('refuses to take a line %s past MAX_LINE_QUANTITY', (_, inOrder, added) => {
        spec
          .given([orderCreated(), itemAdded({ quantity: inOrder })])
          .when(addItem({ quantity: added }))
          .thenThrows(QuantityLimitExceeded, { productId: PRODUCT_ID, limit: MAX_LINE_QUANTITY });
      });

      it('counts the quantity per product, not per order', () => {
        spec
          .given([orderCreated(), otherItemAdded({ quantity: MAX_LINE_QUANTITY })])
          .when(addItem({ quantity: MAX_LINE_QUANTITY }))
          .then([itemAdded({ quantity: MAX_LINE_QUANTITY })]);
      });
    });

    describe('number of lines', () => {
      it('refuses a new product when the order has MAX_ORDER_LINES lines', () => {
        spec
          .given([orderCreated(), ...lines(MAX_ORDER_LINES)])
          .when(addItem({ productId: productIdNo(MAX_ORDER_LINES + 1) }))
          .thenThrows(TooManyItems, { limit: MAX_ORDER_LINES });
      });

      it('still accepts more units of a product already in a full order', () => {
        spec
          .given([orderCreated(), ...lines(MAX_ORDER_LINES)])
          .when(addItem({ productId: productIdNo(1), quantity: 1 }))
          .then([itemAdded({ productId: productIdNo(1), quantity: 1 })]);
      });

      it('accepts the MAX_ORDER_LINES-th line', () => {
        const productId = productIdNo(MAX_ORDER_LINES);
        spec
          .given([orderCreated(), ...lines(MAX_ORDER_LINES - 1)])
          .when(addItem({ productId }))
          .then([itemAdded({ productId })]);
      });

      it('frees a line when an item is removed', () => {
        const productId = productIdNo(MAX_ORDER_LINES + 1);
        spec
          .given([orderCreated(), ...lines(MAX_ORDER_LINES), itemRemoved({ productId: productIdNo(1), quantity: 1 })])
          .when(addItem({ productId }))
          .then([itemAdded({ productId })]);
      });
    });

    describe('unit price', () => {
      it('refuses a price in another currency than the order', () => {
        spec.given(draftOrder()).when(addItem({ unitPrice: usd(1250) })).thenThrows(CurrencyMismatch, { expected: 'EUR', actual: 'USD' });
      });

      it('accepts a price in the currency of the order', () => {
        spec
          .given([orderCreated({ currency: 'USD' })])
          .when(addItem({ unitPrice: usd(1250) }))
          .then([itemAdded({ unitPrice: usd(1250) })]);
      });

      it.each<[string, Money, string]>([
        ['a negative amount', eur(-1), 'unitPrice.amount'],
        ['a fractional amount', eur(0.5), 'unitPrice.amount'],
        ['an amount above the maximum', eur(MAX_PRICE_AMOUNT + 1), 'unitPrice.amount'],
        ['an unknown currency', { amount: 100, currency: 'XXX' }, 'unitPrice.currency'],
      ])('rejects a price with %s', (_, unitPrice, field) => {
        spec.given([orderCreated()]).when(addItem({ unitPrice })).thenThrows(InvalidValue, { field });
      });
    });

    it.each([
      ['empty', ''],
      ['only whitespace', '   '],
      ['longer than 200 characters', 'x'.repeat(201)],
      ['with a control character', 'Wid\nget'],
    ])('rejects a product name that is %s', (_, productName) => {
      spec.given([orderCreated()]).when(addItem({ productName })).thenThrows(InvalidValue, { field: 'productName' });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(addItem()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });

    it.each(pastDraft)('refuses a %s order', (status, history) => {
      spec.given(history()).when(addItem()).thenThrows(OrderNotDraft, { orderId: ORDER_ID, status });
    });
  });

  describe('RemoveItem', () => {
    it('removes a line, recording what it held', () => {
      spec.given(draftOrder()).when(removeItem()).then([itemRemoved({ quantity: QUANTITY, unitPrice: PRICE })]);
    });

    it('removes all units of a product added several times, at its latest price', () => {
      spec
        .given([...draftOrder(), itemAdded({ quantity: 3, unitPrice: eur(1300) })])
        .when(removeItem())
        .then([itemRemoved({ quantity: QUANTITY + 3, unitPrice: eur(1300) })]);
    });

    it('leaves the other lines: a following Submit totals only what remains', () => {
      spec
        .given([...draftOrder(), otherItemAdded(), itemRemoved()])
        .when(submitOrder())
        .then([orderSubmitted(OTHER_PRICE)]);
    });

    it('can be undone by adding the product again', () => {
      spec
        .given([...draftOrder(), itemRemoved(), itemAdded({ quantity: 1 })])
        .when(submitOrder())
        .then([orderSubmitted(PRICE)]);
    });

    it.each<[string, OrderEvent[]]>([
      ['never added', [orderCreated(), otherItemAdded()]],
      ['already removed', [...draftOrder(), itemRemoved()]],
    ])('refuses a product that was %s', (_, history) => {
      spec.given(history).when(removeItem()).thenThrows(ItemNotInOrder, { productId: PRODUCT_ID });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(removeItem()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });

    it.each(pastDraft)('refuses a %s order', (status, history) => {
      spec.given(history()).when(removeItem()).thenThrows(OrderNotDraft, { orderId: ORDER_ID, status });
    });
  });

  describe('SubmitOrder', () => {
    it('submits a draft with its total', () => {
      spec.given(draftOrder()).when(submitOrder()).then([orderSubmitted(ORDER_TOTAL)]);
    });

    it('totals every line: quantity × unit price', () => {
      spec
        .given([...draftOrder(), otherItemAdded({ quantity: 3 })])
        .when(submitOrder())
        .then([orderSubmitted(eur(QUANTITY * PRICE.amount + 3 * OTHER_PRICE.amount))]);
    });

    it('totals in the currency of the order', () => {
      spec
        .given([orderCreated({ currency: 'USD' }), itemAdded({ unitPrice: usd(100) })])
        .when(submitOrder())
        .then([orderSubmitted(usd(QUANTITY * 100))]);
    });

    it.each<[string, OrderEvent[]]>([
      ['has never had items', [orderCreated()]],
      ['had all its items removed', [...draftOrder(), itemRemoved()]],
    ])('refuses an order that %s', (_, history) => {
      spec.given(history).when(submitOrder()).thenThrows(EmptyOrder, { orderId: ORDER_ID });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(submitOrder()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });

    it.each(pastDraft)('refuses a %s order', (status, history) => {
      spec.given(history()).when(submitOrder()).thenThrows(OrderNotDraft, { orderId: ORDER_ID, status });
    });
  });

  describe('ConfirmPayment', () => {
    it('marks a submitted order paid for its total', () => {
      spec.given(submittedOrder()).when(confirmPayment(ORDER_TOTAL)).then([orderPaid(ORDER_TOTAL)]);
    });

    it.each([
      ['a wrong amount', eur(ORDER_TOTAL.amount - 1)],
      ['the right amount in a wrong currency', usd(ORDER_TOTAL.amount)],
    ])('refuses %s', (_, amount) => {
      spec.given(submittedOrder()).when(confirmPayment(amount)).thenThrows(PaymentMismatch, { expected: ORDER_TOTAL, actual: amount });
    });

    it('refuses a draft order', () => {
      spec.given(draftOrder()).when(confirmPayment()).thenThrows(OrderNotSubmitted, { orderId: ORDER_ID });
    });

    it.each<[string, History]>([
      ['paid', paidOrder],
      ['shipped', shippedOrder],
      ['delivered', deliveredOrder],
    ])('refuses to pay a %s order again', (_, history) => {
      spec.given(history()).when(confirmPayment()).thenThrows(OrderAlreadyPaid, { orderId: ORDER_ID });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(confirmPayment()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });
  });

  describe('ShipOrder', () => {
    it('ships a paid order with its tracking number', () => {
      spec.given(paidOrder()).when(shipOrder(TRACKING_NUMBER)).then([orderShipped(TRACKING_NUMBER)]);
    });

    it.each(['AB1', `A${'1'.repeat(63)}`, '1Z-999-AA1'])('accepts the tracking number %j', (trackingNumber) => {
      spec.given(paidOrder()).when(shipOrder(trackingNumber)).then([orderShipped(trackingNumber)]);
    });

    it.each<[string, History]>([
      ['draft', draftOrder],
      ['submitted', submittedOrder],
    ])('refuses to ship an unpaid (%s) order', (_, history) => {
      spec.given(history()).when(shipOrder()).thenThrows(OrderNotPaid, { orderId: ORDER_ID });
    });

    it.each<[string, History]>([
      ['shipped', shippedOrder],
      ['delivered', deliveredOrder],
    ])('refuses to ship a %s order again', (_, history) => {
      spec.given(history()).when(shipOrder()).thenThrows(OrderAlreadyShipped, { orderId: ORDER_ID });
    });

    it.each([
      ['empty', ''],
      ['shorter than 3 characters', 'AB'],
      ['longer than 64 characters', `A${'1'.repeat(64)}`],
      ['starting with a dash', '-TRACK'],
      ['containing a space', 'TRACK 1'],
      ['containing an underscore', 'TRACK_1'],
    ])('rejects a tracking number that is %s', (_, trackingNumber) => {
      spec.given(paidOrder()).when(shipOrder(trackingNumber)).thenThrows(InvalidValue, { field: 'trackingNumber' });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(shipOrder()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });
  });

  describe('DeliverOrder', () => {
    it('delivers a shipped order', () => {
      spec.given(shippedOrder()).when(deliverOrder()).then([orderDelivered()]);
    });

    it.each<[string, History]>([
      ['draft', draftOrder],
      ['submitted', submittedOrder],
      ['paid', paidOrder],
    ])('refuses to deliver a %s order before it is shipped', (_, history) => {
      spec.given(history()).when(deliverOrder()).thenThrows(OrderNotShipped, { orderId: ORDER_ID });
    });

    it('refuses to deliver twice', () => {
      spec.given(deliveredOrder()).when(deliverOrder()).thenThrows(OrderAlreadyDelivered, { orderId: ORDER_ID });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(deliverOrder()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });
  });

  describe('CancelOrder', () => {
    it.each<[string, History]>([
      ['draft', draftOrder],
      ['submitted', submittedOrder],
    ])('cancels a %s order without a refund', (_, history) => {
      spec.given(history()).when(cancelOrder()).then([orderCancelled({ refund: null })]);
    });

    it('cancels a paid order, refunding what was paid', () => {
      spec.given(paidOrder()).when(cancelOrder()).then([orderCancelled({ refund: ORDER_TOTAL })]);
    });

    it('cancels an empty draft', () => {
      spec.given([orderCreated()]).when(cancelOrder()).then([orderCancelled()]);
    });

    it('trims the reason and accepts up to 500 characters', () => {
      spec.given(draftOrder()).when(cancelOrder(`  ${CANCEL_REASON} `)).then([orderCancelled({ reason: CANCEL_REASON })]);
      const reason = 'x'.repeat(500);
      spec.given(draftOrder()).when(cancelOrder(reason)).then([orderCancelled({ reason })]);
    });

    it.each<[string, History]>([
      ['shipped', shippedOrder],
      ['delivered', deliveredOrder],
    ])('refuses to cancel a %s order', (_, history) => {
      spec.given(history()).when(cancelOrder()).thenThrows(OrderAlreadyShipped, { orderId: ORDER_ID });
    });

    it.each([
      ['empty', ''],
      ['only whitespace', '  '],
      ['longer than 500 characters', 'x'.repeat(501)],
      ['with a control character', 'too\u001bslow'],
    ])('rejects a reason that is %s', (_, reason) => {
      spec.given(draftOrder()).when(cancelOrder(reason)).thenThrows(InvalidValue, { field: 'reason' });
    });

    it('refuses an order that does not exist', () => {
      spec.given([]).when(cancelOrder()).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });
  });

  describe('a cancelled order', () => {
    const cancelledFrom: [string, OrderEvent[]][] = [
      ['draft', cancelledOrder()],
      ['submitted', [...submittedOrder(), orderCancelled()]],
      ['paid', [...paidOrder(), orderCancelled({ refund: ORDER_TOTAL })]],
    ];
    const rows = cancelledFrom.flatMap(([status, history]) =>
      commandsOnExistingOrder().map(([type, command]): [string, string, OrderEvent[], OrderCommand] => [type, status, history, command]),
    );

    it.each(rows)('refuses %s (cancelled when %s)', (_, __, history, command) => {
      spec.given(history).when(command).thenThrows(OrderAlreadyCancelled, { orderId: ORDER_ID });
    });
  });

  describe('an order that does not exist', () => {
    it.each(commandsOnExistingOrder())('refuses %s', (_, command) => {
      spec.given([]).when(command).thenThrows(OrderNotFound, { orderId: ORDER_ID });
    });
  });

  describe('evolve', () => {
    const { evolve, initialState } = orderDecider;
    const stateAfter = (events: readonly OrderEvent[]): OrderState => fold(orderDecider, initialState, events);
    const facts = { orderId: ORDER_ID, customerId: CUSTOMER_ID, currency: 'EUR' };
    const line = { productId: PRODUCT_ID, productName: PRODUCT_NAME, quantity: QUANTITY, unitPrice: PRICE };
    const otherLine = { productId: OTHER_PRODUCT_ID, productName: OTHER_PRODUCT_NAME, quantity: 1, unitPrice: OTHER_PRICE };

    it('starts with no order', () => {
      expect(initialState).toStrictEqual({ status: 'none' });
    });

    it('ignores order events before OrderCreated', () => {
      expect(evolve(initialState, itemAdded())).toStrictEqual({ status: 'none' });
      expect(evolve(initialState, orderSubmitted())).toStrictEqual({ status: 'none' });
    });

    it('creates an empty draft without a total', () => {
      expect(stateAfter([orderCreated()])).toStrictEqual({ status: 'draft', ...facts, items: [] });
    });

    it('keeps lines in the order they were first added', () => {
      expect(stateAfter([...draftOrder(), otherItemAdded()])).toStrictEqual({ status: 'draft', ...facts, items: [line, otherLine] });
    });

    it('merges a product added again into its line, with the latest name and price', () => {
      const state = stateAfter([...draftOrder(), otherItemAdded(), itemAdded({ productName: 'Widget v2', quantity: 3, unitPrice: eur(1300) })]);
      expect(state).toStrictEqual({
        status: 'draft',
        ...facts,
        items: [{ ...line, productName: 'Widget v2', quantity: QUANTITY + 3, unitPrice: eur(1300) }, otherLine],
      });
    });

    it('drops a removed line', () => {
      expect(stateAfter([...draftOrder(), otherItemAdded(), itemRemoved()])).toStrictEqual({ status: 'draft', ...facts, items: [otherLine] });
    });

    it('records the total on submit', () => {
      expect(stateAfter(submittedOrder())).toStrictEqual({ status: 'submitted', ...facts, items: [line], total: ORDER_TOTAL });
    });

    it('records the amount paid as the total', () => {
      expect(stateAfter(paidOrder())).toStrictEqual({ status: 'paid', ...facts, items: [line], total: ORDER_TOTAL });
    });

    it('keeps the total and records the tracking number on ship and deliver', () => {
      const shipped = { ...facts, items: [line], total: ORDER_TOTAL, trackingNumber: TRACKING_NUMBER };
      expect(stateAfter(shippedOrder())).toStrictEqual({ status: 'shipped', ...shipped });
      expect(stateAfter(deliveredOrder())).toStrictEqual({ status: 'delivered', ...shipped });
    });

    it('records the reason and no refund when a draft is cancelled', () => {
      expect(stateAfter(cancelledOrder())).toStrictEqual({ status: 'cancelled', ...facts, items: [line], reason: CANCEL_REASON, refund: null });
    });

    it.each<[string, OrderEvent[], Money | null]>([
      ['submitted', submittedOrder(), null],
      ['paid', paidOrder(), ORDER_TOTAL],
    ])('keeps no total once a %s order is cancelled, only the refund', (_, history, refund) => {
      expect(stateAfter([...history, orderCancelled({ refund })])).toStrictEqual({
        status: 'cancelled',
        ...facts,
        items: [line],
        reason: CANCEL_REASON,
        refund,
      });
    });
  });
});
