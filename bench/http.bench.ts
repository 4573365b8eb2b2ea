// HTTP throughput against bare express 5, in the same process and run (autocannon -c 50):
//   GET  /orders/{id}       auth on (reader key) vs bare express answering the same JSON body   → target 0.8
//   POST /orders/{id}/items auth on (writer key) vs bare express parsing the same JSON request  → target 0.6
// Baseline and subject alternate (baseline, subject, × ROUNDS) and the best run of each counts,
// which damps the noise of a shared machine. The subject runs as an API process does: no projection
// runner in the process. One extra row shows the command POST with every projection running in the
// same process (the all-in-one `npm start`), against the same baseline; another the adapter's own cost
// (the command bus stubbed), which separates what the HTTP layer costs from what the command path costs.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon, { type Request as CannonRequest } from 'autocannon';
import express, { type Express } from 'express';
import type { Application } from '../src/application/application';
import { buildTestService, TEST_KEYS, testKeyMap, type TestService } from '../tests/support/http';
import { report, row } from './support/results';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 4);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const PRODUCTS = 25;
/** Fresh draft orders per POST run: a run of ~10-15k requests adds about three lines to each, as real carts have. */
const ORDERS_PER_RUN = 5_000;

const listen = (app: Express): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer(app);
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const stop = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

interface Measured {
  readonly rps: number;
  readonly p99: number;
  readonly failures: number;
}

const cannon = async (options: autocannon.Options): Promise<Measured> => {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options });
  return { rps: result.requests.average, p99: result.latency.p99, failures: result.non2xx + result.errors + result.timeouts };
};

const best = (runs: readonly Measured[]): Measured => runs.reduce((a, b) => (b.rps > a.rps ? b : a));

/** baseline, subject, baseline, subject, …: the best run of each; every subject failure counts. */
const compare = async (baseline: () => Promise<Measured>, subject: () => Promise<Measured>) => {
  const baselines: Measured[] = [];
  const subjects: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    baselines.push(await baseline());
    subjects.push(await subject());
  }
  return { baseline: best(baselines), subject: best(subjects), failures: subjects.reduce((n, r) => n + r.failures, 0) };
};

const post = async (url: string, path: string, body: unknown): Promise<{ id: string; position: string }> => {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.writer}` },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; position: string };
};

/** Draft orders straight through the command bus (fast): the load of one POST run. */
const createOrders = async (application: Application, customerId: string, count: number): Promise<string[]> => {
  const orders = Array.from({ length: count }, () => randomUUID());
  for (let i = 0; i < orders.length; i += 100) {
    await Promise.all(
      orders.slice(i, i + 100).map((orderId) =>
        application.commands.dispatch({
          type: 'CreateOrder',
          payload: { orderId, customerId, currency: 'EUR' },
          context: { commandId: randomUUID(), correlationId: 'bench-seed', actor: 'bench' },
        }),
      ),
    );
  }
  return orders;
};

/** Over HTTP: a customer, the products, and the GET subject (an order with three lines, read once so its view exists). */
const seed = async (url: string) => {
  const customer = await post(url, '/customers', { name: 'Bench Customer', email: 'bench@example.com' });
  const products: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    products.push((await post(url, '/products', { sku: `BENCH-${i}`, name: `Bench product ${i}`, price: { amount: 1000 + i, currency: 'EUR' } })).id);
  }
  const subject = (await post(url, '/orders', { customerId: customer.id, currency: 'EUR' })).id;
  let position = '0';
  for (let i = 0; i < 3; i++) position = (await post(url, `/orders/${subject}/items`, { productId: products[i], quantity: 2 })).position;
  const read = await fetch(`${url}/orders/${subject}`, { headers: { authorization: `Bearer ${TEST_KEYS.reader}`, 'x-min-position': position } });
  const orderJson = await read.text();
  if (read.status !== 200) throw new Error(`seeded order not readable: ${read.status} ${orderJson}`);
  return { customerId: customer.id, products, subject, orderJson };
};

/** Round-robin over the run's orders, products rotating per pass, quantity 1: every request is valid (no line nears 1000 units). */
const addItemRequests = (orders: readonly string[], products: readonly string[]) => {
  let sent = 0;
  return (request: CannonRequest): CannonRequest => {
    const n = sent++;
    const order = orders[n % orders.length] as string;
    const product = products[Math.floor(n / orders.length) % products.length] as string;
    return { ...request, path: `/orders/${order}/items`, body: JSON.stringify({ productId: product, quantity: 1 }) };
  };
};

const waitForProjections = async (service: TestService): Promise<void> => {
  for (;;) {
    const list = await service.application.operations.list();
    if (list.every((p) => p.mode !== 'catch-up' || p.lag === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('HTTP throughput', () => {
  it('GET /orders/{id} and POST /orders/{id}/items against bare express', async () => {
    const service = await buildTestService({ apiKeys: testKeyMap() });
    const api = await listen(service.app);
    const { customerId, products, subject, orderJson } = await seed(urlOf(api));

    const bare = express();
    const fixed = JSON.parse(orderJson) as unknown;
    bare.get('/orders/:id', (_req, res) => {
      res.json(fixed);
    });
    bare.post('/orders/:id/items', express.json(), (req, res) => {
      res.json({ id: req.params.id, revision: 1, position: '1', quantity: (req.body as { quantity?: number }).quantity });
    });
    const baseline = await listen(bare);

    const getOrder = (url: string, authorization?: string) => () =>
      cannon({ url: `${url}/orders/${subject}`, ...(authorization ? { headers: { authorization } } : {}) });
    const addItem = (url: string, orders: () => Promise<readonly string[]>) => async () =>
      cannon({
        url,
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEYS.writer}`, 'content-type': 'application/json' },
        requests: [{ method: 'POST', setupRequest: addItemRequests(await orders(), products) }],
      });
    const freshOrders = () => createOrders(service.application, customerId, ORDERS_PER_RUN);
    const noOrders = async () => [randomUUID()];

    // All-in-one first, once the projections are live: steady state, not a catch-up backlog.
    const allInOneOrders = await freshOrders();
    await waitForProjections(service);
    const allInOne = await addItem(urlOf(api), async () => allInOneOrders)();
    // From here on, an API process: no projection runner competes with the requests.
    await service.application.stopProjections();

    // Warm both apps (JIT) before measuring.
    await getOrder(urlOf(baseline))();
    await getOrder(urlOf(api), `Bearer ${TEST_KEYS.reader}`)();
    await addItem(urlOf(baseline), noOrders)();
    await addItem(urlOf(api), freshOrders)();

    const get = await compare(getOrder(urlOf(baseline)), getOrder(urlOf(api), `Bearer ${TEST_KEYS.reader}`));
    const command = await compare(addItem(urlOf(baseline), noOrders), addItem(urlOf(api), freshOrders));
    // Diagnostic: the adapter alone (auth, validation, headers, metrics, problem mapping), the command bus answering at once.
    const dispatch = jest
      .spyOn(service.application.commands, 'dispatch')
      .mockImplementation(async (message) => ({ id: randomUUID(), streamId: `order-${message.type}`, revision: 1, position: '1', appended: 1 }));
    const adapterOnly = await compare(addItem(urlOf(baseline), noOrders), addItem(urlOf(api), noOrders));
    dispatch.mockRestore();

    await Promise.all([stop(api), stop(baseline)]);
    await service.close();

    report(`HTTP throughput (autocannon -c ${CONNECTIONS}, ${DURATION_S} s runs, best of ${ROUNDS} alternating, same process)`, [
      row('http GET /orders/{id} (reader key) vs bare express GET', get.subject.rps, 'req/s', get.baseline.rps, 0.8),
      row('http POST /orders/{id}/items (writer key) vs bare express POST', command.subject.rps, 'req/s', command.baseline.rps, 0.6),
      row('http POST /orders/{id}/items, projections in-process, vs bare express POST', allInOne.rps, 'req/s', command.baseline.rps),
      row('http POST /orders/{id}/items, command bus stubbed (adapter cost only), vs bare express POST', adapterOnly.subject.rps, 'req/s', adapterOnly.baseline.rps),
      row('http GET /orders/{id} p99 latency vs bare express', get.subject.p99, 'ms', get.baseline.p99),
      row('http POST /orders/{id}/items p99 latency vs bare express', command.subject.p99, 'ms', command.baseline.p99),
    ]);
    // Every subject request must have succeeded: a fast stream of 4xx would measure nothing.
    expect({ get: get.failures, post: command.failures, allInOne: allInOne.failures, adapterOnly: adapterOnly.failures }).toEqual({ get: 0, post: 0, allInOne: 0, adapterOnly: 0 });
  });
});
