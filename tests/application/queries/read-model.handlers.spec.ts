import { NotYetConsistent, ValidationFailed } from '../../../src/application/ports';
import { QueryBus } from '../../../src/application/queries/query-bus';
import { encodeCursor } from '../../../src/application/queries/read-model-access';
import type { OrderSummary } from '../../../src/application/queries/query.types';
import { createTestApp, seedOrder, uuid, type TestApp } from '../../support/application-fixtures';
import { within } from '../../support/eventually';

const HOUR = 3_600_000;

describe('read-model queries', () => {
  let t: TestApp;
  beforeEach(() => {
    t = createTestApp({ consistencyTimeoutMs: 100, runner: { batchSize: 50 } });
  });
  afterEach(() => t.dispose());

  describe('QueryBus', () => {
    it('has a handler for every query', () => {
      expect([...t.app.queries.types()].sort()).toEqual(
        ['GetCustomer', 'GetDailySales', 'GetOrder', 'GetOrderHistory', 'GetOrderState', 'GetProduct', 'ListOrders', 'ListProducts', 'SearchOrders'].sort(),
      );
    });

    it('refuses two handlers for one query and rejects a query nobody handles', async () => {
      const handler = { type: 'GetOrder' as const, handle: jest.fn() };
      expect(() => new QueryBus([handler, handler])).toThrow('Two handlers for query GetOrder');
      await expect(new QueryBus([]).execute('GetOrder', { orderId: uuid() })).rejects.toThrow('No handler for query GetOrder');
    });
  });

  describe('by id', () => {
    it('GetOrder answers the order details, GetCustomer the customer view, GetProduct the catalog entry; null when unknown', async () => {
      t.start();
      const { orderId, customerId, productId } = await seedOrder(t, {}, { name: 'Ada Lovelace', productName: 'Widget' });
      await t.waitForHead();

      expect(await t.app.queries.execute('GetOrder', { orderId })).toMatchObject({
        orderId,
        customerId,
        customerName: 'Ada Lovelace',
        status: 'draft',
        items: [{ productId, productName: 'Widget', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' }, subtotal: { amount: 2500, currency: 'EUR' } }],
        total: { amount: 2500, currency: 'EUR' },
        revision: 1,
      });
      expect(await t.app.queries.execute('GetCustomer', { customerId })).toMatchObject({ customerId, name: 'Ada Lovelace', orderCount: 1, lifetimeValue: [] });
      expect(await t.app.queries.execute('GetProduct', { productId })).toMatchObject({ productId, name: 'Widget', price: { amount: 1250, currency: 'EUR' } });
      expect(await t.app.queries.execute('GetOrder', { orderId: uuid() })).toBeNull();
      expect(await t.app.queries.execute('GetCustomer', { customerId: uuid() })).toBeNull();
      expect(await t.app.queries.execute('GetProduct', { productId: uuid() })).toBeNull();
    });
  });

  describe('ListOrders', () => {
    /** `count` orders of two customers, created an hour apart in pairs (so some share createdAt). */
    const manyOrders = async (count: number) => {
      const ada = uuid();
      const grace = uuid();
      const productId = uuid();
      await t.send('RegisterCustomer', { customerId: ada, name: 'Ada', email: `${ada}@example.com` });
      await t.send('RegisterCustomer', { customerId: grace, name: 'Grace', email: `${grace}@example.com` });
      await t.send('AddProduct', { productId, sku: 'W-1', name: 'Widget', price: { amount: 100, currency: 'EUR' } });
      const orders: { orderId: string; customerId: string }[] = [];
      for (let i = 0; i < count; i++) {
        if (i % 2 === 0) t.clock.advance(HOUR);
        const orderId = uuid();
        const customerId = i % 3 === 0 ? grace : ada;
        await t.send('CreateOrder', { orderId, customerId, currency: 'EUR' });
        if (i % 4 === 0) {
          await t.send('AddItem', { orderId, productId, quantity: 1 });
          await t.send('SubmitOrder', { orderId });
        }
        orders.push({ orderId, customerId });
      }
      t.start();
      await t.waitForHead();
      return { ada, grace, orders };
    };

    const allPages = async (params: { customerId?: string; status?: string; limit?: number }) => {
      const pages: OrderSummary[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await t.app.queries.execute('ListOrders', { ...params, ...(cursor ? { cursor } : {}) });
        pages.push([...page.items]);
        if (page.nextCursor === null) return pages;
        cursor = page.nextCursor;
      }
    };

    it('pages through every order exactly once, newest first (ties by id), ending with a null cursor', async () => {
      const { orders } = await manyOrders(45);

      const pages = await allPages({ limit: 7 });

      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 7, 7, 3]);
      const listed = pages.flat();
      expect(listed.map((o) => o.orderId).sort()).toEqual(orders.map((o) => o.orderId).sort());
      const keys = listed.map((o) => `${o.createdAt}|${o.orderId}`);
      expect(keys).toEqual([...keys].sort().reverse());
      expect(listed[0]).not.toHaveProperty('lines');
      expect(listed[0]).toEqual(expect.objectContaining({ customerName: expect.any(String), itemCount: expect.any(Number), total: expect.any(Object) }));
    });

    it('filters by customer, by status, and by both', async () => {
      const { grace, orders } = await manyOrders(24);
      const ofGrace = orders.filter((o) => o.customerId === grace).map((o) => o.orderId);
      const submitted = orders.filter((_, i) => i % 4 === 0).map((o) => o.orderId);

      const byCustomer = (await allPages({ customerId: grace, limit: 3 })).flat();
      const byStatus = (await allPages({ status: 'submitted', limit: 3 })).flat();
      const byBoth = (await allPages({ customerId: grace, status: 'submitted' })).flat();

      expect(byCustomer.map((o) => o.orderId).sort()).toEqual([...ofGrace].sort());
      expect(byCustomer.every((o) => o.customerId === grace)).toBe(true);
      expect(byStatus.map((o) => o.orderId).sort()).toEqual([...submitted].sort());
      expect(byBoth.map((o) => o.orderId).sort()).toEqual(ofGrace.filter((id) => submitted.includes(id)).sort());
      expect(byBoth.length).toBeGreaterThan(0);
    });

    it('defaults to 20 per page and allows at most 100', async () => {
      await manyOrders(105);
      expect((await t.app.queries.execute('ListOrders', {})).items).toHaveLength(20);
      const page = await t.app.queries.execute('ListOrders', { limit: 100 });
      expect(page.items).toHaveLength(100);
      expect(page.nextCursor).not.toBeNull();
      for (const limit of [0, 101, 1.5, -1]) {
        const error = await t.app.queries.execute('ListOrders', { limit }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationFailed);
        expect(error).toMatchObject({ violations: [{ path: '/limit' }] });
      }
    });

    it('refuses a cursor it did not issue with ValidationFailed', async () => {
      for (const cursor of ['%%%', 'bm90IGpzb24', encodeCursor(['only-one-value']), Buffer.from('{"a":1}').toString('base64url'), encodeCursor([{} as never, 'x'])]) {
        const error = await t.app.queries.execute('ListOrders', { cursor }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationFailed);
        expect(error).toMatchObject({ violations: [{ path: '/cursor' }] });
      }
    });

    it('an empty read model is one empty page', async () => {
      expect(await t.app.queries.execute('ListOrders', {})).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('SearchOrders', () => {
    it('finds orders by whole words of customer and product names, all words required', async () => {
      const lamp = await seedOrder(t, {}, { name: 'Ada Lovelace', productName: 'Brass Lamp' });
      const desk = await seedOrder(t, {}, { name: 'Lamp Lighter', productName: 'Oak Desk' });
      t.start();
      await t.waitForHead();

      const ids = async (q: string) => (await t.app.queries.execute('SearchOrders', { q })).map((o) => o.orderId);
      // A customer-name hit weighs more than a product-name hit.
      expect(await ids('lamp')).toEqual([desk.orderId, lamp.orderId]);
      expect(await ids('ADA brass')).toEqual([lamp.orderId]);
      expect(await ids('ada desk')).toEqual([]);
      expect(await ids('lam')).toEqual([]);
      expect(await ids('  ')).toEqual([]);
      expect(await t.app.queries.execute('SearchOrders', { q: 'lamp', limit: 1 })).toHaveLength(1);
      await expect(t.app.queries.execute('SearchOrders', { q: 'lamp', limit: 101 })).rejects.toBeInstanceOf(ValidationFailed);
    });
  });

  describe('ListProducts', () => {
    it('pages through the catalog by name, then id', async () => {
      const names = ['Delta', 'alpha', 'Charlie', 'Bravo', 'Echo', 'Bravo'];
      for (const name of names) await t.send('AddProduct', { productId: uuid(), sku: `SKU-${name}`, name, price: { amount: 1, currency: 'EUR' } });
      t.start();
      await t.waitForHead();

      const first = await t.app.queries.execute('ListProducts', { limit: 4 });
      const second = await t.app.queries.execute('ListProducts', { limit: 4, cursor: first.nextCursor as string });

      // Names sort by code point: upper case before lower case.
      expect([...first.items, ...second.items].map((p) => p.name)).toEqual(['Bravo', 'Bravo', 'Charlie', 'Delta', 'Echo', 'alpha']);
      expect(second.nextCursor).toBeNull();
    });
  });

  describe('GetDailySales', () => {
    it('answers the days between two dates, inclusive, per currency', async () => {
      t.start();
      const paidOn = async (day: string, amount: number, currency = 'EUR') => {
        t.clock.set(`${day}T12:00:00.000Z`);
        const { orderId } = await seedOrder(t, {}, { price: { amount, currency }, quantity: 1 });
        await t.send('SubmitOrder', { orderId });
        await t.send('ConfirmPayment', { orderId, amount: { amount, currency } });
        return orderId;
      };
      await paidOn('2024-05-01', 100);
      await paidOn('2024-05-02', 200);
      const refunded = await paidOn('2024-05-02', 300);
      await paidOn('2024-05-02', 50, 'USD');
      await paidOn('2024-05-04', 400);
      t.clock.set('2024-05-03T09:00:00.000Z');
      await t.send('CancelOrder', { orderId: refunded, reason: 'Broken' });
      await t.waitForHead();

      const days = await t.app.queries.execute('GetDailySales', { from: '2024-05-02', to: '2024-05-03' });

      expect(days).toEqual([
        { date: '2024-05-02', currency: 'EUR', ordersPaid: 2, revenue: 500, ordersRefunded: 0, refunds: 0 },
        { date: '2024-05-02', currency: 'USD', ordersPaid: 1, revenue: 50, ordersRefunded: 0, refunds: 0 },
        { date: '2024-05-03', currency: 'EUR', ordersPaid: 0, revenue: 0, ordersRefunded: 1, refunds: 300 },
      ]);
      expect(await t.app.queries.execute('GetDailySales', { from: '2024-05-04', to: '2024-05-04' })).toEqual([expect.objectContaining({ revenue: 400 })]);
      expect(await t.app.queries.execute('GetDailySales', { from: '2023-01-01', to: '2023-12-31' })).toEqual([]);
    });

    it.each([
      ['not a date', { from: 'yesterday', to: '2024-05-02' }],
      ['a date-time', { from: '2024-05-01T00:00:00Z', to: '2024-05-02' }],
      ['from after to', { from: '2024-05-03', to: '2024-05-02' }],
      ['more than 366 days', { from: '2023-01-01', to: '2024-01-02' }],
      ['a day that does not exist', { from: '2024-02-30', to: '2024-03-02' }],
      ['a month that does not exist', { from: '2024-05-01', to: '2024-13-45' }],
    ])('refuses %s with ValidationFailed', async (_case, range) => {
      await expect(t.app.queries.execute('GetDailySales', range)).rejects.toBeInstanceOf(ValidationFailed);
    });

    it('accepts a whole leap year', async () => {
      await expect(t.app.queries.execute('GetDailySales', { from: '2024-01-01', to: '2024-12-31' })).resolves.toEqual([]);
    });
  });

  describe('read-your-writes (minPosition)', () => {
    it('waits until the read model has applied the position, then answers with it', async () => {
      const { orderId } = await seedOrder(t);
      const submitted = await t.send('SubmitOrder', { orderId });
      const slow = createTestApp({ sharedWith: t, consistencyTimeoutMs: 5_000 });
      try {
        const answer = slow.app.queries.execute('GetOrder', { orderId, minPosition: submitted.position as string });
        t.start();
        expect(await within(answer, 2_000, 'GetOrder')).toMatchObject({ orderId, status: 'submitted' });
      } finally {
        await slow.dispose();
      }
    });

    it('answers at once when the read model is already there', async () => {
      t.start();
      const { orderId, last } = await seedOrder(t);
      await expect(within(t.app.queries.execute('GetOrder', { orderId, minPosition: last.position as string }), 1_000)).resolves.toMatchObject({ orderId });
    });

    it.each([
      ['GetOrder', 'order-details'],
      ['ListOrders', 'order-list'],
      ['SearchOrders', 'order-search'],
      ['GetCustomer', 'customer-view'],
      ['GetProduct', 'product-catalog'],
      ['ListProducts', 'product-catalog'],
      ['GetDailySales', 'daily-sales'],
    ] as const)('%s gives up with NotYetConsistent when %s does not get there in time', async (query, projection) => {
      const { orderId, customerId, productId, last } = await seedOrder(t);
      const params = { orderId, customerId, productId, q: 'ada', from: '2024-05-01', to: '2024-05-01', minPosition: last.position as string };
      const error = await t.app.queries.execute(query, params as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotYetConsistent);
      expect(error).toMatchObject({ projection, position: last.position, retryAfterSeconds: 1 });
    });
  });
});
