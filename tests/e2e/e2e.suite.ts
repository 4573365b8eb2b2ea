// The end-to-end HTTP suite, written once and run against every way of building the service
// (memory adapters, the composition root, real databases). Reads its own writes with
// X-Min-Position — it never sleeps.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import request, { type Response, type Test } from 'supertest';
import type { Role } from '../../src/adapters/http';
import { HttpSchemas } from '../../src/adapters/http/http-schemas';
import { PROBLEM_BASE } from '../../src/adapters/http/problem-details';
import type { ParkedEvent } from '../../src/application/ports';

export interface E2eSetup {
  /** key → role; empty: the API must be open. */
  readonly apiKeys: ReadonlyMap<string, Role>;
  /** How long a query with X-Min-Position may wait (CONSISTENCY_TIMEOUT_MS). */
  readonly consistencyTimeoutMs: number;
}

export interface E2eService {
  readonly app: Express;
  close(): Promise<void>;
  /** Parks an event directly in the store (to exercise the parked-event routes); absent: those tests only see an empty list. */
  park?(event: ParkedEvent): Promise<void>;
  /** Makes the next `count` appends conflict; absent: the 409 test cannot force a conflict and is skipped. */
  injectConflicts?(count: number): void;
}

export type E2eFactory = (setup: E2eSetup) => Promise<E2eService>;

export interface E2eOptions {
  readonly consistencyTimeoutMs?: number;
  /** The factory's services implement injectConflicts. */
  readonly conflicts?: boolean;
  /** The factory's services implement park. */
  readonly parking?: boolean;
  readonly timeoutMs?: number;
}

export const E2E_KEYS = { reader: 'e2e-reader-key-1', writer: 'e2e-writer-key-1', admin: 'e2e-admin-key-01' } as const;
export const e2eKeyMap = (): ReadonlyMap<string, Role> => new Map(Object.entries(E2E_KEYS).map(([role, key]) => [key, role as Role]));

const schemas = new HttpSchemas();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNREACHABLE = '999999999999';
const today = () => new Date().toISOString().slice(0, 10);
/** The later of two positions ("<n>" or "<commit>/<prepare>"): compare as numbers, never as strings. */
const latest = (a: string, b: string): string => {
  const [ac = 0n, ap = ac] = a.split('/').map(BigInt);
  const [bc = 0n, bp = bc] = b.split('/').map(BigInt);
  return ac > bc || (ac === bc && ap >= bp) ? a : b;
};

/** The body matches the documented response schema (schemas/http/responses). */
export const expectDocumented = (schema: string, body: unknown): void => {
  const validate = schemas.validator('responses', schema);
  if (!validate(body)) throw new Error(`${schema} does not match the answer: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`);
};

/** An RFC 9457 answer with this status (and problem type), no internals. */
export const expectProblem = (res: Response, status: number, type?: string): Record<string, unknown> => {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expectDocumented('Problem', res.body);
  const body = res.body as Record<string, unknown>;
  expect(body['status']).toBe(status);
  expect(body['correlationId']).toBe(res.headers['x-correlation-id']);
  if (type) expect(body['type']).toBe(`${PROBLEM_BASE}${type}`);
  expect(res.text).not.toMatch(/\bat [^\n]+:\d+:\d+|node_modules|\/src\//);
  return body;
};

type Headers = Readonly<Record<string, string>>;

/** supertest against one listening server, as one API key. */
class Api {
  constructor(
    private readonly server: Server,
    private readonly key: string | undefined,
  ) {}

  private auth(test: Test, headers: Headers): Test {
    if (this.key) test.set('Authorization', `Bearer ${this.key}`);
    return test.set(headers as Record<string, string>);
  }

  get(path: string, headers: Headers = {}): Test {
    return this.auth(request(this.server).get(path), headers);
  }

  post(path: string, body?: unknown, headers: Headers = {}): Test {
    const test = this.auth(request(this.server).post(path), headers);
    return body === undefined ? test : test.send(body as object);
  }

  delete(path: string, headers: Headers = {}): Test {
    return this.auth(request(this.server).delete(path), headers);
  }
}

interface Accepted {
  readonly id: string;
  readonly revision: number;
  readonly position: string;
}

const accepted = (res: Response, status: 200 | 201 = 200): Accepted => {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  expectDocumented('CommandAccepted', res.body);
  const body = res.body as Accepted;
  expect(res.headers['etag']).toBe(`"${body.revision}"`);
  return body;
};

const ok = <T = Record<string, unknown>>(res: Response, schema: string, status = 200): T => {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expectDocumented(schema, res.body);
  return res.body as T;
};

const listen = (app: Express): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer(app);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const stop = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

interface Fixtures {
  customer(name?: string, currency?: string): Promise<Accepted>;
  product(price?: number, currency?: string, name?: string): Promise<Accepted>;
  order(customerId?: string, currency?: string): Promise<Accepted>;
  /** An order with one line, submitted: the last position written. */
  submittedOrder(): Promise<{ order: Accepted; total: number; position: string }>;
}

const fixtures = (writer: () => Api): Fixtures => {
  const self: Fixtures = {
    customer: async (name = 'Ada Lovelace') => accepted(await writer().post('/customers', { name, email: `${randomUUID()}@example.com` }), 201),
    product: async (price = 1250, currency = 'EUR', name = `Widget ${randomUUID().slice(0, 8)}`) =>
      accepted(await writer().post('/products', { sku: `SKU-${randomUUID().slice(0, 8)}`, name, price: { amount: price, currency } }), 201),
    order: async (customerId, currency = 'EUR') => {
      const customer = customerId ?? (await self.customer()).id;
      return accepted(await writer().post('/orders', { customerId: customer, currency }), 201);
    },
    submittedOrder: async () => {
      const product = await self.product(700);
      const order = await self.order();
      accepted(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 3 }));
      const submitted = accepted(await writer().post(`/orders/${order.id}/submit`));
      return { order, total: 2100, position: submitted.position };
    },
  };
  return self;
};

export const e2eSuite = (name: string, factory: E2eFactory, options: E2eOptions = {}): void =>
  describe(name, () => {
    const consistencyTimeoutMs = options.consistencyTimeoutMs ?? 1_000;
    jest.setTimeout(options.timeoutMs ?? 30_000);
    let service: E2eService;
    let server: Server;
    const as = (role: Role | 'none' | 'unknown') =>
      new Api(server, role === 'none' ? undefined : role === 'unknown' ? 'not-a-known-key-at-all' : E2E_KEYS[role]);
    const writer = () => as('writer');
    const reader = () => as('reader');
    const admin = () => as('admin');
    const make = fixtures(writer);
    const at = (position: string) => ({ 'X-Min-Position': position });

    beforeAll(async () => {
      service = await factory({ apiKeys: e2eKeyMap(), consistencyTimeoutMs });
      server = await listen(service.app);
    });
    afterAll(async () => {
      if (server) await stop(server);
      await service?.close();
    });

    describe('a whole journey', () => {
      it('registers, lists products, orders, pays, ships and delivers; renames reach the order views; sales are counted', async () => {
        const correlationId = `journey-${randomUUID()}`;
        const customerRes = await writer().post('/customers', { name: 'Grace Hopper', email: `${randomUUID()}@example.com` }, { 'X-Correlation-Id': correlationId });
        const customer = accepted(customerRes, 201);
        expect(customerRes.headers['location']).toBe(`/customers/${customer.id}`);
        expect(customerRes.headers['x-correlation-id']).toBe(correlationId);
        const manual = await make.product(2500, 'CHF', 'Compiler Manual');
        const tape = await make.product(1000, 'CHF', 'Paper Tape');

        const orderRes = await writer().post('/orders', { customerId: customer.id, currency: 'CHF' }, { 'X-Correlation-Id': correlationId });
        const order = accepted(orderRes, 201);
        expect(orderRes.headers['location']).toBe(`/orders/${order.id}`);
        expect(order.revision).toBe(0);
        expect(accepted(await writer().post(`/orders/${order.id}/items`, { productId: manual.id, quantity: 2 })).revision).toBe(1);
        expect(accepted(await writer().post(`/orders/${order.id}/items`, { productId: tape.id, quantity: 1 })).revision).toBe(2);
        expect(accepted(await writer().delete(`/orders/${order.id}/items/${tape.id}`)).revision).toBe(3);
        accepted(await writer().post(`/orders/${order.id}/items`, { productId: tape.id, quantity: 1 }));
        accepted(await writer().post(`/orders/${order.id}/items`, { productId: tape.id, quantity: 2 }));
        const submitted = accepted(await writer().post(`/orders/${order.id}/submit`));

        const draft = ok<Record<string, unknown>>(await reader().get(`/orders/${order.id}`, at(submitted.position)), 'OrderDetails');
        expect(draft).toMatchObject({ status: 'submitted', customerName: 'Grace Hopper', total: { amount: 8000, currency: 'CHF' }, revision: submitted.revision });
        expect(draft['items']).toEqual([
          { productId: manual.id, productName: 'Compiler Manual', quantity: 2, unitPrice: { amount: 2500, currency: 'CHF' }, subtotal: { amount: 5000, currency: 'CHF' } },
          { productId: tape.id, productName: 'Paper Tape', quantity: 3, unitPrice: { amount: 1000, currency: 'CHF' }, subtotal: { amount: 3000, currency: 'CHF' } },
        ]);

        const paid = accepted(await writer().post(`/orders/${order.id}/pay`, { amount: { amount: 8000, currency: 'CHF' } }));
        accepted(await writer().post(`/orders/${order.id}/ship`, { trackingNumber: 'TRACK-0042' }));
        const delivered = accepted(await writer().post(`/orders/${order.id}/deliver`));
        const done = await reader().get(`/orders/${order.id}`, at(delivered.position));
        expect(ok(done, 'OrderDetails')).toMatchObject({ status: 'delivered', trackingNumber: 'TRACK-0042', revision: delivered.revision });
        expect(done.headers['etag']).toBe(`"${delivered.revision}"`);

        const renamed = accepted(await writer().post(`/customers/${customer.id}/rename`, { name: 'Rear Admiral Hopper' }));
        const retitled = accepted(await writer().post(`/products/${manual.id}/rename`, { name: 'COBOL Manual' }));
        const last = latest(retitled.position, renamed.position);
        const details = ok<{ customerName: string; items: { productName: string }[] }>(await reader().get(`/orders/${order.id}`, at(last)), 'OrderDetails');
        expect(details.customerName).toBe('Rear Admiral Hopper');
        expect(details.items.map((i) => i.productName)).toEqual(['COBOL Manual', 'Paper Tape']);
        const list = ok<{ items: { orderId: string; customerName: string; status: string }[] }>(
          await reader().get(`/orders?customerId=${customer.id}`, at(last)),
          'OrderPage',
        );
        expect(list.items).toEqual([expect.objectContaining({ orderId: order.id, customerName: 'Rear Admiral Hopper', status: 'delivered' })]);
        const found = ok<{ items: { orderId: string; products: { name: string }[] }[] }>(await reader().get('/orders/search?q=admiral%20cobol', at(last)), 'OrderSearchResults');
        expect(found.items.map((i) => i.orderId)).toEqual([order.id]);
        expect(found.items[0]?.products.map((p) => p.name).sort()).toEqual(['COBOL Manual', 'Paper Tape']);

        const view = ok(await reader().get(`/customers/${customer.id}`, at(last)), 'Customer');
        expect(view).toMatchObject({ name: 'Rear Admiral Hopper', orderCount: 1, lifetimeValue: [{ amount: 8000, currency: 'CHF' }] });
        const sales = ok<{ items: { currency: string; ordersPaid: number; revenue: number }[] }>(
          await reader().get(`/stats/daily-sales?from=${today()}&to=${today()}`, at(paid.position)),
          'DailySales',
        );
        expect(sales.items.filter((d) => d.currency === 'CHF')).toEqual([expect.objectContaining({ ordersPaid: 1, revenue: 8000 })]);

        const history = ok<{ events: { type: string; revision: number; metadata: Record<string, unknown> }[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(history.events.map((e) => e.type)).toEqual([
          'OrderCreated',
          'OrderItemAdded',
          'OrderItemAdded',
          'OrderItemRemoved',
          'OrderItemAdded',
          'OrderItemAdded',
          'OrderSubmitted',
          'OrderPaid',
          'OrderShipped',
          'OrderDelivered',
        ]);
        expect(history.events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        // The correlation id of the request is in the event metadata; the actor names the key without containing it.
        expect(history.events[0]?.metadata).toMatchObject({ correlationId, actor: expect.stringMatching(/^apikey:[0-9a-f]{12}$/) });
        expect(JSON.stringify(history)).not.toContain(E2E_KEYS.writer);

        const first = ok(await reader().get(`/orders/${order.id}/state?revision=0`), 'OrderState');
        expect(first).toMatchObject({ orderId: order.id, revision: 0, state: { status: 'draft' } });
        const now = ok(await reader().get(`/orders/${order.id}/state?at=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`), 'OrderState');
        expect(now).toMatchObject({ revision: 9, state: { status: 'delivered' } });
      });
    });

    describe('commands', () => {
      it('changes a customer email, refusing one that another customer uses (422)', async () => {
        const a = await make.customer();
        const b = await make.customer();
        const email = `${randomUUID()}@example.com`;
        const changed = accepted(await writer().post(`/customers/${a.id}/change-email`, { email }));
        expect(ok(await reader().get(`/customers/${a.id}`, at(changed.position)), 'Customer')).toMatchObject({ email });
        const refused = expectProblem(await writer().post(`/customers/${b.id}/change-email`, { email: email.toUpperCase() }), 422, 'EmailAlreadyInUse');
        expect(refused['code']).toBe('EmailAlreadyInUse');
      });

      it('registers with a client-chosen id and refuses a second registration of it with other data (422)', async () => {
        const id = randomUUID();
        const res = await writer().post('/customers', { id, name: 'Linus', email: `${randomUUID()}@example.com` });
        expect(accepted(res, 201).id).toBe(id);
        expect(res.headers['location']).toBe(`/customers/${id}`);
        expectProblem(await writer().post('/customers', { id, name: 'Someone Else', email: `${randomUUID()}@example.com` }), 422, 'CustomerAlreadyRegistered');
      });

      it('changes a product price and shows it in the catalog', async () => {
        const product = await make.product(100);
        const changed = accepted(await writer().post(`/products/${product.id}/change-price`, { price: { amount: 150, currency: 'EUR' } }));
        expect(changed.revision).toBe(1);
        const view = ok(await reader().get(`/products/${product.id}`, at(changed.position)), 'Product');
        expect(view).toMatchObject({ productId: product.id, price: { amount: 150, currency: 'EUR' } });
      });

      it('cancels an order with a reason', async () => {
        const order = await make.order();
        const cancelled = accepted(await writer().post(`/orders/${order.id}/cancel`, { reason: 'changed my mind' }));
        expect(ok(await reader().get(`/orders/${order.id}`, at(cancelled.position)), 'OrderDetails')).toMatchObject({
          status: 'cancelled',
          cancellationReason: 'changed my mind',
        });
      });

      it('answers a business rule with 422 and its code', async () => {
        const order = await make.order();
        const body = expectProblem(await writer().post(`/orders/${order.id}/submit`), 422, 'EmptyOrder');
        expect(body).toMatchObject({ code: 'EmptyOrder', title: 'Empty order', instance: `/orders/${order.id}/submit` });
        const { order: submitted } = await make.submittedOrder();
        expectProblem(await writer().post(`/orders/${submitted.id}/pay`, { amount: { amount: 1, currency: 'EUR' } }), 422, 'PaymentMismatch');
        expectProblem(await writer().post(`/orders/${submitted.id}/ship`, { trackingNumber: 'TRACK-1' }), 422, 'OrderNotPaid');
      });

      it('answers 404 for a command on an aggregate that does not exist', async () => {
        const body = expectProblem(await writer().post(`/orders/${randomUUID()}/submit`), 404, 'OrderNotFound');
        expect(body['code']).toBe('OrderNotFound');
        expectProblem(await writer().post(`/customers/${randomUUID()}/rename`, { name: 'Nobody' }), 404, 'CustomerNotFound');
        expectProblem(await writer().post(`/products/${randomUUID()}/rename`, { name: 'Nothing' }), 404, 'ProductNotFound');
      });

      it('refuses an order for an unknown customer and an item of an unknown product (422)', async () => {
        expectProblem(await writer().post('/orders', { customerId: randomUUID(), currency: 'EUR' }), 422, 'UnknownCustomer');
        const order = await make.order();
        expectProblem(await writer().post(`/orders/${order.id}/items`, { productId: randomUUID(), quantity: 1 }), 422, 'UnknownProduct');
      });
    });

    describe('If-Match', () => {
      it('applies a command at the given revision and answers 412 once the stream moved', async () => {
        const product = await make.product();
        const order = await make.order();
        const added = accepted(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }, { 'If-Match': '"0"' }));
        expect(added.revision).toBe(1);
        const body = expectProblem(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }, { 'If-Match': '"0"' }), 412, 'precondition-failed');
        expect(body['currentRevision']).toBe(1);
        const history = ok<{ events: unknown[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(history.events).toHaveLength(2);
      });

      it('takes the ETag of GET /orders/{id} as If-Match', async () => {
        const order = await make.order();
        const read = await reader().get(`/orders/${order.id}`, at(order.position));
        expect(read.status).toBe(200);
        accepted(await writer().post(`/orders/${order.id}/cancel`, { reason: 'duplicate' }, { 'If-Match': read.headers['etag'] as string }));
      });

      it('refuses a malformed If-Match with 400', async () => {
        const order = await make.order();
        const body = expectProblem(await writer().post(`/orders/${order.id}/submit`, undefined, { 'If-Match': 'W/"0"' }), 400, 'validation-failed');
        expect(body['violations']).toEqual([expect.objectContaining({ path: '/headers/If-Match' })]);
      });

      (options.conflicts ? it : it.skip)('answers 409 when conflicts outlast the retries (no If-Match)', async () => {
        const order = await make.order();
        service.injectConflicts?.(100);
        try {
          expectProblem(await writer().post(`/orders/${order.id}/cancel`, { reason: 'conflict' }), 409, 'concurrency-conflict');
        } finally {
          service.injectConflicts?.(0);
        }
        service.injectConflicts?.(1);
        // One conflict is retried away.
        accepted(await writer().post(`/orders/${order.id}/cancel`, { reason: 'conflict' }));
      });
    });

    describe('Idempotency-Key', () => {
      it('answers the same request again with the first answer and appends nothing', async () => {
        const product = await make.product();
        const order = await make.order();
        const key = randomUUID();
        const first = await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 2 }, { 'Idempotency-Key': key });
        const firstBody = accepted(first);
        expect(first.headers['idempotent-replayed']).toBeUndefined();
        // Key order in the body does not matter: the hash is over canonical JSON.
        const again = await writer().post(`/orders/${order.id}/items`, { quantity: 2, productId: product.id }, { 'Idempotency-Key': key });
        expect(accepted(again)).toEqual(firstBody);
        expect(again.headers['etag']).toBe(first.headers['etag']);
        expect(again.headers['idempotent-replayed']).toBe('true');
        const history = ok<{ events: unknown[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(history.events).toHaveLength(2);
      });

      it('creates once under a key, with the same generated id and Location on the replay', async () => {
        const key = randomUUID();
        const body = { sku: `SKU-${randomUUID().slice(0, 8)}`, name: 'Idempotent Widget', price: { amount: 10, currency: 'EUR' } };
        const first = await writer().post('/products', body, { 'Idempotency-Key': key });
        const again = await writer().post('/products', body, { 'Idempotency-Key': key });
        expect(accepted(again, 201)).toEqual(accepted(first, 201));
        expect(again.headers['location']).toBe(first.headers['location']);
      });

      it('refuses the same key with a different body or path (422 IdempotencyKeyReused)', async () => {
        const product = await make.product();
        const order = await make.order();
        const key = randomUUID();
        accepted(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }, { 'Idempotency-Key': key }));
        const body = expectProblem(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 5 }, { 'Idempotency-Key': key }), 422, 'IdempotencyKeyReused');
        expect(body['code']).toBe('IdempotencyKeyReused');
        expectProblem(await writer().post(`/orders/${order.id}/submit`, undefined, { 'Idempotency-Key': key }), 422, 'IdempotencyKeyReused');
        const history = ok<{ events: unknown[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(history.events).toHaveLength(2);
      });

      it('replays a refusal (422) as it was, even after the rule would pass', async () => {
        const product = await make.product();
        const order = await make.order();
        const key = randomUUID();
        const first = expectProblem(await writer().post(`/orders/${order.id}/submit`, undefined, { 'Idempotency-Key': key }), 422, 'EmptyOrder');
        accepted(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }));
        const again = await writer().post(`/orders/${order.id}/submit`, undefined, { 'Idempotency-Key': key });
        // The first answer verbatim: its correlation id names the request that ran (the header names this one).
        expect(again.status).toBe(422);
        expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(again.body).toEqual(first);
        expect(again.headers['idempotent-replayed']).toBe('true');
        const history = ok<{ events: unknown[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(history.events).toHaveLength(2);
      });

      it('scopes keys per caller', async () => {
        const product = await make.product();
        const order = await make.order();
        const key = randomUUID();
        accepted(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }, { 'Idempotency-Key': key }));
        const other = await admin().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }, { 'Idempotency-Key': key });
        expect(accepted(other).revision).toBe(2);
        expect(other.headers['idempotent-replayed']).toBeUndefined();
      });

      it('refuses a malformed key with 400', async () => {
        const order = await make.order();
        expectProblem(await writer().post(`/orders/${order.id}/submit`, undefined, { 'Idempotency-Key': 'has spaces in it' }), 400, 'validation-failed');
      });
    });

    describe('X-Min-Position', () => {
      it('lets every read-model query see the write whose position it names', async () => {
        const customer = await make.customer('Read Your Writes');
        const product = await make.product(4200, 'EUR', `Consistent ${randomUUID().slice(0, 6)}`);
        const order = await make.order(customer.id);
        const added = accepted(await writer().post(`/orders/${order.id}/items`, { productId: product.id, quantity: 1 }));
        const submitted = accepted(await writer().post(`/orders/${order.id}/submit`));
        const paid = accepted(await writer().post(`/orders/${order.id}/pay`, { amount: { amount: 4200, currency: 'EUR' } }));
        const renamed = accepted(await writer().post(`/products/${product.id}/rename`, { name: 'Freshly Renamed Gadget' }));

        expect(ok(await reader().get(`/customers/${customer.id}`, at(paid.position)), 'Customer')).toMatchObject({ orderCount: 1 });
        expect(ok(await reader().get(`/products/${product.id}`, at(renamed.position)), 'Product')).toMatchObject({ name: 'Freshly Renamed Gadget' });
        expect(ok(await reader().get(`/orders/${order.id}`, at(added.position)), 'OrderDetails')).toMatchObject({ items: [expect.objectContaining({ quantity: 1 })] });
        const list = ok<{ items: { orderId: string; status: string }[] }>(await reader().get(`/orders?customerId=${customer.id}&status=paid`, at(paid.position)), 'OrderPage');
        expect(list.items.map((i) => i.orderId)).toEqual([order.id]);
        const search = ok<{ items: { orderId: string }[] }>(await reader().get(`/orders/search?q=${encodeURIComponent('read writes')}`, at(submitted.position)), 'OrderSearchResults');
        expect(search.items.map((i) => i.orderId)).toContain(order.id);
        const sales = ok<{ items: { currency: string; ordersPaid: number }[] }>(
          await reader().get(`/stats/daily-sales?from=${today()}&to=${today()}`, at(paid.position)),
          'DailySales',
        );
        expect(sales.items.find((d) => d.currency === 'EUR')?.ordersPaid).toBeGreaterThanOrEqual(1);
        const products = ok<{ items: { productId: string }[] }>(await reader().get('/products?limit=100', at(renamed.position)), 'ProductPage');
        expect(products.items.map((p) => p.productId)).toContain(product.id);
      });

      it('answers 503 with Retry-After when the read model does not reach the position in time', async () => {
        const started = Date.now();
        const res = await reader().get('/orders', at(UNREACHABLE));
        expectProblem(res, 503, 'not-yet-consistent');
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Date.now() - started).toBeGreaterThanOrEqual(consistencyTimeoutMs - 50);
      });

      it('refuses a malformed position with 400', async () => {
        const body = expectProblem(await reader().get(`/orders/${randomUUID()}`, at('latest')), 400, 'validation-failed');
        expect(body['violations']).toEqual([expect.objectContaining({ path: '/headers/X-Min-Position' })]);
      });
    });

    describe('queries', () => {
      it('pages through the catalog with a cursor', async () => {
        for (let i = 0; i < 3; i++) await make.product(100 + i, 'EUR', `Paging ${i} ${randomUUID().slice(0, 6)}`);
        const last = await make.product(99, 'EUR', 'Paging last');
        const first = ok<{ items: { productId: string }[]; nextCursor: string | null }>(await reader().get('/products?limit=2', at(last.position)), 'ProductPage');
        expect(first.items).toHaveLength(2);
        expect(first.nextCursor).toEqual(expect.any(String));
        const second = ok<{ items: { productId: string }[] }>(await reader().get(`/products?limit=2&cursor=${first.nextCursor}`), 'ProductPage');
        expect(second.items.length).toBeGreaterThan(0);
        expect(second.items.map((p) => p.productId)).not.toContain(first.items[0]?.productId);
        expectProblem(await reader().get('/products?cursor=bm90LWEtY3Vyc29y'), 400, 'validation-failed');
      });

      it('filters and pages orders', async () => {
        const customer = await make.customer();
        const one = await make.order(customer.id);
        const two = await make.order(customer.id);
        const page = ok<{ items: { orderId: string }[]; nextCursor: string | null }>(
          await reader().get(`/orders?customerId=${customer.id}&status=draft&limit=1`, at(two.position)),
          'OrderPage',
        );
        expect(page.items).toHaveLength(1);
        const next = ok<{ items: { orderId: string }[]; nextCursor: string | null }>(
          await reader().get(`/orders?customerId=${customer.id}&status=draft&limit=1&cursor=${page.nextCursor}`),
          'OrderPage',
        );
        expect([...page.items, ...next.items].map((o) => o.orderId).sort()).toEqual([one.id, two.id].sort());
        expect(next.nextCursor).toBeNull();
        const none = ok<{ items: unknown[] }>(await reader().get(`/orders?customerId=${customer.id}&status=paid`), 'OrderPage');
        expect(none.items).toEqual([]);
      });

      it('answers 304 for an unchanged order with If-None-Match', async () => {
        const order = await make.order();
        const first = await reader().get(`/orders/${order.id}`, at(order.position));
        expect(first.status).toBe(200);
        const again = await reader().get(`/orders/${order.id}`, { 'If-None-Match': first.headers['etag'] as string });
        expect(again.status).toBe(304);
        expect(again.text).toBeFalsy();
        expect(again.headers['etag']).toBe(first.headers['etag']);
      });

      it('answers 404 for documents and streams that do not exist', async () => {
        for (const path of [`/orders/${randomUUID()}`, `/customers/${randomUUID()}`, `/products/${randomUUID()}`, `/orders/${randomUUID()}/history`, `/orders/${randomUUID()}/state?revision=0`]) {
          expectProblem(await reader().get(path), 404, 'not-found');
        }
        const order = await make.order();
        expectProblem(await reader().get(`/orders/${order.id}/state?revision=5`), 404, 'not-found');
        expectProblem(await reader().get(`/orders/${order.id}/state?at=2000-01-01T00:00:00Z`), 404, 'not-found');
      });

      it('validates query strings (400 with violations)', async () => {
        const order = await make.order();
        const cases: [string, string][] = [
          ['/orders?limit=0', '/limit'],
          ['/orders?limit=101', '/limit'],
          ['/orders?limit=ten', '/limit'],
          ['/orders?status=lost', '/status'],
          ['/orders?customerId=nope', '/customerId'],
          ['/orders?colour=red', ''],
          ['/orders?limit=1&limit=2', '/limit'],
          ['/orders/search', ''],
          ['/products?limit=1000', '/limit'],
          [`/orders/${order.id}/state`, ''],
          [`/orders/${order.id}/state?revision=1&at=2024-01-01T00:00:00Z`, ''],
          [`/orders/${order.id}/state?at=yesterday`, '/at'],
          ['/stats/daily-sales?from=2024-02-30&to=2024-03-01', '/from'],
          ['/stats/daily-sales?from=2024-01-01', ''],
          ['/stats/daily-sales?from=2020-01-01&to=2024-01-01', '/from'],
          [`/orders/${order.id}?x=1`, '/x'],
        ];
        for (const [path, violation] of cases) {
          const body = expectProblem(await reader().get(path), 400, 'validation-failed');
          expect(body['violations']).toEqual(expect.arrayContaining([expect.objectContaining({ path: violation })]));
        }
      });
    });

    describe('request validation', () => {
      it('refuses bodies that do not match the schema (400 with violations)', async () => {
        const order = await make.order();
        const cases: [string, unknown, string][] = [
          ['/customers', { name: 'No Email' }, ''],
          ['/customers', { name: 'X', email: 'x@example.com', admin: true }, ''],
          ['/customers', { id: 'not-a-uuid', name: 'X', email: 'x@example.com' }, '/id'],
          ['/products', { sku: 'S', name: 'N', price: { amount: 1.5, currency: 'EUR' } }, '/price/amount'],
          ['/products', { sku: 'S', name: 'N', price: { amount: 1, currency: 'euro' } }, '/price/currency'],
          [`/orders/${order.id}/items`, { productId: randomUUID(), quantity: 0 }, '/quantity'],
          [`/orders/${order.id}/items`, { productId: randomUUID(), quantity: '1' }, '/quantity'],
          [`/orders/${order.id}/items`, [1, 2], ''],
          [`/orders/${order.id}/submit`, { force: true }, ''],
          [`/orders/${order.id}/cancel`, { reason: 'x'.repeat(501) }, '/reason'],
        ];
        for (const [path, body, violation] of cases) {
          const problem = expectProblem(await writer().post(path, body), 400, 'validation-failed');
          expect(problem['violations']).toEqual(expect.arrayContaining([expect.objectContaining({ path: violation })]));
        }
        const history = ok<{ events: unknown[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(history.events).toHaveLength(1);
      });

      it('refuses malformed JSON (400), bodies over 64 KiB (413) and bodies that are not JSON (415)', async () => {
        const order = await make.order();
        expectProblem(await writer().post(`/orders/${order.id}/cancel`).set('Content-Type', 'application/json').send('{"reason":'), 400, 'malformed-json');
        expectProblem(await writer().post(`/orders/${order.id}/cancel`).set('Content-Type', 'application/json').send('"just a string"'), 400, 'malformed-json');
        expectProblem(await writer().post(`/orders/${order.id}/cancel`, { reason: 'x'.repeat(70 * 1024) }), 413, 'payload-too-large');
        expectProblem(await writer().post(`/orders/${order.id}/cancel`).set('Content-Type', 'text/plain').send('reason=because'), 415, 'unsupported-media-type');
        expectProblem(await writer().post(`/orders/${order.id}/cancel`).type('form').send({ reason: 'because' }), 415, 'unsupported-media-type');
        // A JSON media type with parameters is JSON.
        accepted(await writer().post(`/orders/${order.id}/cancel`).set('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ reason: 'fine' })));
      });

      it('refuses malformed path parameters (400) and answers unknown routes (404) and methods (405)', async () => {
        const body = expectProblem(await reader().get('/orders/not-a-uuid'), 400, 'validation-failed');
        expect(body['violations']).toEqual([expect.objectContaining({ path: '/id' })]);
        expectProblem(await reader().get(`/orders/${randomUUID().toUpperCase()}`), 400, 'validation-failed');
        expectProblem(await writer().delete(`/orders/${randomUUID()}/items/x`), 400, 'validation-failed');
        expectProblem(await reader().get('/orders/%E0%A4%A'), 400);
        expectProblem(await reader().get('/nowhere'), 404, 'not-found');
        const wrong = await request(server).put(`/orders/${randomUUID()}`).set('Authorization', `Bearer ${E2E_KEYS.admin}`);
        expectProblem(wrong, 405, 'method-not-allowed');
        expect(wrong.headers['allow']).toBe('GET, HEAD, OPTIONS');
        expect((await request(server).options('/orders')).headers['allow']).toBe('GET, HEAD, POST, OPTIONS');
      });
    });

    describe('auth', () => {
      it('answers 401 with WWW-Authenticate without a key or with an unknown one', async () => {
        const missing = await as('none').get(`/orders/${randomUUID()}`);
        expectProblem(missing, 401, 'unauthorized');
        expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
        const unknown = await as('unknown').post('/customers', { name: 'X', email: 'x@example.com' });
        expectProblem(unknown, 401, 'unauthorized');
        expect(unknown.headers['www-authenticate']).toContain('invalid_token');
        expectProblem(await request(server).get('/orders').set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`), 401, 'unauthorized');
      });

      it('checks the role before reading the body', async () => {
        // A reader posting garbage learns only that it may not post.
        expectProblem(await reader().post('/customers').set('Content-Type', 'application/json').send('{garbage'), 403, 'forbidden');
        expectProblem(await as('none').post('/customers').set('Content-Type', 'text/plain').send('x'), 401, 'unauthorized');
      });

      it('lets readers read, writers write and read, admins do everything', async () => {
        const order = await make.order();
        expectProblem(await reader().post(`/orders/${order.id}/cancel`, { reason: 'reader' }), 403, 'forbidden');
        expectProblem(await reader().get('/ops/projections'), 403, 'forbidden');
        expect((await writer().get(`/orders/${order.id}`, at(order.position))).status).toBe(200);
        expectProblem(await writer().get('/ops/projections'), 403, 'forbidden');
        expectProblem(await writer().post('/ops/projections/order-list/rebuild'), 403, 'forbidden');
        expect((await admin().get(`/orders/${order.id}`)).status).toBe(200);
        accepted(await admin().post(`/orders/${order.id}/cancel`, { reason: 'admin' }));
        expect((await admin().get('/ops/projections')).status).toBe(200);
      });

      it('leaves the probes and the OpenAPI document open', async () => {
        for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect((await request(server).get(path)).status).toBe(200);
      });
    });

    describe('operations', () => {
      it('lists the projections with mode, checkpoint, lag, state and parked count', async () => {
        const order = await make.order();
        await reader().get(`/orders/${order.id}`, at(order.position));
        const list = ok<{ items: { name: string; mode: string; checkpoint: string | null }[] }>(await admin().get('/ops/projections'), 'Projections');
        expect(list.items.map((p) => p.name).sort()).toEqual(['customer-view', 'daily-sales', 'order-details', 'order-list', 'order-search', 'product-catalog']);
        expect(list.items.find((p) => p.name === 'order-details')?.checkpoint).toEqual(expect.any(String));
      });

      it('rebuilds a catch-up projection (202) and the rebuilt copy serves reads', async () => {
        const order = await make.order();
        const res = await admin().post('/ops/projections/order-list/rebuild');
        expect(ok(res, 'RebuildAccepted', 202)).toMatchObject({ projection: 'order-list', status: expect.stringMatching(/^(started|requested)$/) });
        const later = await make.order();
        const list = ok<{ items: { orderId: string }[] }>(await reader().get('/orders?limit=100', at(later.position)), 'OrderPage');
        expect(list.items.map((o) => o.orderId)).toEqual(expect.arrayContaining([order.id, later.id]));
      });

      it('refuses to rebuild an unknown (404), malformed (400) or persistent (400) projection', async () => {
        expectProblem(await admin().post('/ops/projections/no-such-projection/rebuild'), 404, 'not-found');
        expectProblem(await admin().post('/ops/projections/Bad_Name/rebuild'), 400, 'validation-failed');
        const persistent = ok<{ items: { name: string; mode: string }[] }>(await admin().get('/ops/projections'), 'Projections').items.find((p) => p.mode === 'persistent');
        if (persistent) expectProblem(await admin().post(`/ops/projections/${persistent.name}/rebuild`), 400, 'validation-failed');
      });

      it('lists parked events and replays one; an unknown one is 404', async () => {
        expectProblem(await admin().post('/ops/parked/catch-up:does-not-exist/replay'), 404, 'not-found');
        expectProblem(await admin().post('/ops/parked/has%20spaces/replay'), 400, 'validation-failed');
        expectProblem(await admin().get('/ops/parked?limit=0'), 400, 'validation-failed');
        if (options.parking && service.park) {
          const order = await make.order();
          const history = ok<{ events: { eventId: string; position: string }[] }>(await reader().get(`/orders/${order.id}/history`), 'OrderHistory');
          const event = history.events[0] as { eventId: string; position: string };
          const id = `order-list:${event.eventId}`;
          await service.park({
            id,
            projection: 'order-list',
            eventId: event.eventId,
            streamId: `order-${order.id}`,
            revision: 0,
            position: event.position,
            type: 'OrderCreated',
            error: 'simulated failure',
            attempts: 3,
            parkedAt: new Date().toISOString(),
          });
          const parked = ok<{ items: { id: string; error: string }[] }>(await admin().get('/ops/parked?limit=100'), 'ParkedEvents');
          expect(parked.items).toEqual(expect.arrayContaining([expect.objectContaining({ id, error: 'simulated failure' })]));
          const projections = ok<{ items: { name: string; parked: number }[] }>(await admin().get('/ops/projections'), 'Projections');
          expect(projections.items.find((p) => p.name === 'order-list')?.parked).toBeGreaterThanOrEqual(1);
          const replayed = ok<{ outcome: string }>(await admin().post(`/ops/parked/${encodeURIComponent(id)}/replay`), 'ReplayOutcome');
          expect(['applied', 'superseded']).toContain(replayed.outcome);
        } else {
          ok(await admin().get('/ops/parked'), 'ParkedEvents');
        }
      });
    });

    describe('probes, metrics, headers', () => {
      it('answers /healthz and /readyz with the projection states', async () => {
        expect(ok(await request(server).get('/healthz'), 'Health')).toEqual({ status: 'ok' });
        const ready = ok<{ status: string; checks: { ok: boolean }[]; projections: { name: string }[] }>(await request(server).get('/readyz'), 'Readiness');
        expect(ready.status).toBe('ready');
        expect(ready.checks.length).toBeGreaterThan(0);
        expect(ready.projections.length).toBe(6);
      });

      it('exposes request latency by route template, commands by outcome and projection gauges', async () => {
        const order = await make.order();
        await reader().get(`/orders/${order.id}`, at(order.position));
        const res = await request(server).get('/metrics');
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/orders\/\{id\}"[^}]*\} [1-9]/);
        expect(res.text).not.toContain(`route="/orders/${order.id}"`);
        expect(res.text).toMatch(/commands_total\{[^}]*command="CreateOrder"[^}]*outcome="ok"[^}]*\} [1-9]/);
        expect(res.text).toMatch(/projection_lag\{projection="order-list"\}/);
        expect(res.text).toMatch(/projection_checkpoint\{projection="order-list"\}/);
        expect(res.text).toMatch(/projection_parked_events\{projection="order-list"\}/);
      });

      it('serves the OpenAPI 3.1 document', async () => {
        const res = await request(server).get('/openapi.json');
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ openapi: '3.1.0', paths: expect.objectContaining({ '/orders/{id}': expect.any(Object) }) });
      });

      it('sets the security headers and echoes or generates the correlation id on every answer', async () => {
        for (const res of [await request(server).get('/healthz'), await as('none').get('/orders'), await request(server).get('/nowhere')]) {
          expect(res.headers).toMatchObject({
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'DENY',
            'strict-transport-security': expect.any(String),
            'content-security-policy': "default-src 'none';frame-ancestors 'none'",
          });
          expect(res.headers['x-powered-by']).toBeUndefined();
          expect(res.headers['x-correlation-id']).toMatch(UUID);
        }
        expect((await request(server).get('/healthz').set('X-Correlation-Id', 'abc-123:x.y_z')).headers['x-correlation-id']).toBe('abc-123:x.y_z');
        expect((await request(server).get('/healthz').set('X-Correlation-Id', 'bad id with spaces')).headers['x-correlation-id']).toMatch(UUID);
      });
    });

    describe('open mode (no API keys)', () => {
      let open: E2eService;
      let openServer: Server;
      beforeAll(async () => {
        open = await factory({ apiKeys: new Map(), consistencyTimeoutMs });
        openServer = await listen(open.app);
      });
      afterAll(async () => {
        if (openServer) await stop(openServer);
        await open?.close();
      });

      it('serves every role without a key', async () => {
        const api = new Api(openServer, undefined);
        const customer = accepted(await api.post('/customers', { name: 'Open Sesame', email: `${randomUUID()}@example.com` }), 201);
        expect(ok(await api.get(`/customers/${customer.id}`, at(customer.position)), 'Customer')).toMatchObject({ name: 'Open Sesame' });
        ok(await api.get('/ops/projections'), 'Projections');
        const history = await api.post('/orders', { customerId: customer.id, currency: 'EUR' });
        const order = accepted(history, 201);
        const events = ok<{ events: { metadata: { actor: string } }[] }>(await api.get(`/orders/${order.id}/history`), 'OrderHistory');
        expect(events.events[0]?.metadata.actor).toBe('anonymous');
      });
    });
  });
