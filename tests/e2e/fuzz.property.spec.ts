// Random requests to every route: bodies (valid-ish and garbage), headers, ids and query strings.
// Whatever arrives, the service never answers 5xx, every error is RFC 9457 problem+json, and no
// refused request (4xx) leaves an event behind.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import fc, { type Arbitrary } from 'fast-check';
import request, { type Response } from 'supertest';
import { HttpSchemas } from '../../src/adapters/http/http-schemas';
import { routes } from '../../src/adapters/http/routes';
import type { Route } from '../../src/adapters/http/route';
import { buildTestService, TEST_KEYS, testKeyMap, type TestService } from '../support/http';
import { arbitraryFromSchema } from '../support/json-schema-arbitrary';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1_500);
const schemas = new HttpSchemas();

type Json = Record<string, unknown>;

/** A schema with every $ref (to common.json or a sibling) replaced by its target, for the generator. */
const inline = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(inline);
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as Json)['$ref'];
  if (typeof ref === 'string') {
    const definition = /#\/\$defs\/([A-Za-z0-9]+)$/.exec(ref);
    if (!definition) throw new Error(`cannot inline ${ref}`);
    return inline(((schemas.schema('common', 'Common')['$defs'] as Json)[definition[1] as string] as Json) ?? {});
  }
  return Object.fromEntries(Object.entries(node as Json).map(([key, value]) => [key, inline(value)]));
};

/** Values that break a body in every way a client can: wrong types, extra fields, deep or huge input. */
const garbage: Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
  fc.constant({ name: 'x'.repeat(70 * 1024) }),
  fc.constant(Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`k${i}`, i]))),
  fc.constant([]),
  fc.constant(null),
);

interface Fixture {
  readonly customerId: string;
  readonly productId: string;
  readonly orderId: string;
}

const idOf = (fixture: Fixture): Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(fixture.customerId, fixture.productId, fixture.orderId) },
    fc.uuid(),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('order-list', 'product-catalog', 'no-such-projection', 'catch-up:x', '..', '%00', '%E0%A4%A', 'a'.repeat(600)),
  );

const bodyOf = (route: Route, fixture: Fixture): Arbitrary<unknown> => {
  if (!route.body) return fc.constant(undefined);
  const valid = arbitraryFromSchema(inline(schemas.schema('requests', route.body)), {
    '/customerId': fc.constant(fixture.customerId),
    '/productId': fc.oneof(fc.constant(fixture.productId), fc.uuid()),
  });
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 2, arbitrary: fc.tuple(valid, fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue()).map(([v, k, x]) => ({ ...(v as Json), [k]: x })) },
    { weight: 3, arbitrary: garbage },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
};

const queryOf = (route: Route): Arbitrary<string> => {
  const names = route.query ? Object.keys((schemas.schema('queries', route.query)['properties'] as Json) ?? {}) : [];
  const value = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer({ min: -5, max: 500 }).map(String),
    fc.uuid(),
    fc.constantFrom('draft', 'paid', '2024-01-01', '2024-02-30', '2024-01-01T00:00:00Z', 'eyJ4IjoxfQ', 'bm90LWEtY3Vyc29y', ''),
  );
  const name = names.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }) : fc.string({ maxLength: 8 });
  return fc
    .array(fc.tuple(name, value), { maxLength: 4 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`));
};

/** Present about one time in four (an empty value is not sent). */
const sometimes = (arbitrary: Arbitrary<string>): Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary });

const headersOf = (): Arbitrary<Record<string, string>> =>
  fc.record({
    Authorization: fc.oneof(
      { weight: 1, arbitrary: fc.constant('') },
      { weight: 8, arbitrary: fc.constantFrom(`Bearer ${TEST_KEYS.reader}`, `Bearer ${TEST_KEYS.writer}`, `Bearer ${TEST_KEYS.admin}`, `Bearer ${TEST_KEYS.admin}`) },
      { weight: 1, arbitrary: fc.constantFrom('Bearer ', 'Basic YTpi', 'Bearer nope', `bearer ${TEST_KEYS.admin}`, `Bearer ${TEST_KEYS.admin} extra`) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `Bearer ${s}`) },
    ),
    'Content-Type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      {
        weight: 2,
        arbitrary: fc.constantFrom('', 'application/json; charset=utf-8', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
      },
    ),
    'If-Match': sometimes(fc.oneof(fc.constantFrom('"0"', '"1"', '"999"', '*', 'W/"0"', '"-1"', '0', '""'), fc.string({ maxLength: 10 }))),
    'Idempotency-Key': sometimes(fc.oneof(fc.uuid(), fc.constantFrom('fixed-key-1', 'fixed-key-2', 'with space'), fc.string({ maxLength: 20 }))),
    // Only positions every projection has reached, or junk: an unreachable one is a legitimate 503.
    'X-Min-Position': sometimes(fc.oneof(fc.constantFrom('0', '1', '-1', '1/2/3', 'latest', '99999999999999999999999'), fc.string({ maxLength: 10 }))),
    'X-Correlation-Id': sometimes(fc.oneof(fc.uuid(), fc.string({ maxLength: 140 }))),
    'If-None-Match': sometimes(fc.constantFrom('"0"', '*', 'W/"1"', 'junk')),
  });

/** Header values Node refuses to send (control characters) are the client's problem, not the server's; empty ones are left out. */
const sendable = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v) && v !== ''));

const expectProblem = (res: Response) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.body as Json;
  expect(body).toEqual(expect.objectContaining({ type: expect.stringMatching(/^https:\/\//), title: expect.any(String), status: res.status, detail: expect.any(String), instance: expect.any(String) }));
  expect(res.text).not.toMatch(/\bat [^\n]+:\d+:\d+|node_modules/);
};

describe('fuzzing every route', () => {
  let service: TestService;
  let server: Server;
  let fixture: Fixture;

  beforeAll(async () => {
    service = await buildTestService({ apiKeys: testKeyMap(), consistencyTimeoutMs: 200 });
    server = createServer(service.app).listen(0, '127.0.0.1');
    const as = (key: string) => ({ Authorization: `Bearer ${key}` });
    const customer = await request(server).post('/customers').set(as(TEST_KEYS.writer)).send({ name: 'Fuzz', email: 'fuzz@example.com' });
    const product = await request(server).post('/products').set(as(TEST_KEYS.writer)).send({ sku: 'FUZZ-1', name: 'Fuzz widget', price: { amount: 100, currency: 'EUR' } });
    const order = await request(server).post('/orders').set(as(TEST_KEYS.writer)).send({ customerId: customer.body.id, currency: 'EUR' });
    fixture = { customerId: customer.body.id, productId: product.body.id, orderId: order.body.id };
    // Every projection has a checkpoint before the fuzzing starts, so X-Min-Position "0"/"1" is always reached.
    // (The catalog is a per-stream projection: its checkpoint only moves with product events.)
    const reads: [string, string][] = [
      [`/orders/${fixture.orderId}`, order.body.position],
      [`/customers/${fixture.customerId}`, order.body.position],
      ['/orders/search?q=fuzz', order.body.position],
      ['/stats/daily-sales?from=2024-01-01&to=2024-01-02', order.body.position],
      [`/products/${fixture.productId}`, product.body.position],
    ];
    for (const [path, position] of reads) expect((await request(server).get(path).set(as(TEST_KEYS.reader)).set('X-Min-Position', position)).status).toBe(200);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await service.close();
  });

  it('never answers 5xx, always problem+json on errors, and leaves no event behind a refused request', async () => {
    const seen = new Map<number, number>();
    const arbitrary = fc.constantFrom(...routes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('get', 'post', 'delete', 'put', 'patch') }),
        params: fc.dictionary(fc.constantFrom(...Object.keys(route.params), 'unused'), idOf(fixture)),
        query: queryOf(route),
        headers: headersOf(),
        body: bodyOf(route, fixture),
        raw: fc.option(fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom('{"a":', '[1,2', '\u0000\u0001', 'name=x&email=y')), { freq: 6 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ route, method, params, query, headers, body, raw }) => {
        const path = route.path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
          const value = params[name] ?? fixture.orderId;
          return /%/.test(value) ? value : encodeURIComponent(value);
        });
        const before = await service.stores.eventStore.headPosition();
        let test = (request(server) as unknown as Record<string, (url: string) => request.Test>)[method]?.(`${path}${query}`) as request.Test;
        test = test.set(sendable(headers));
        if (raw !== null) test = test.send(raw);
        else if (body !== undefined && method !== 'get') test = test.send(JSON.stringify(body));
        const res = await test;
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);

        expect({ route: `${method} ${path}${query}`, status: res.status }).toEqual({ route: `${method} ${path}${query}`, status: expect.any(Number) });
        if (res.status >= 500) throw new Error(`${method.toUpperCase()} ${path}${query} answered ${res.status}: ${res.text}`);
        if (res.status >= 400) expectProblem(res);
        if (res.status >= 400) {
          const after = await service.stores.eventStore.headPosition();
          if (after !== before) {
            const written = await service.stores.eventStore.readAll({ after: before, maxCount: 100 });
            throw new Error(`${method.toUpperCase()} ${path}${query} answered ${res.status} but appended ${JSON.stringify(written.map((e) => [e.streamId, e.type]))}`);
          }
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 50_000 },
    );
    // Not vacuous: the fuzzing reached successes as well as the main refusals.
    const statuses = [...seen.keys()];
    expect(statuses).toEqual(expect.arrayContaining([200, 400, 401, 403, 404, 405, 415]));
  }, 90_000);

  it('a registration refused by the domain writes nothing, not even on the reservation stream', async () => {
    const before = await service.stores.eventStore.headPosition();
    const res = await request(server)
      .post('/customers')
      .set('Authorization', `Bearer ${TEST_KEYS.writer}`)
      .send({ name: '   ', email: `${randomUUID()}@example.com` });
    expectProblem(res);
    expect(res.body).toMatchObject({ status: 422, code: 'InvalidValue' });
    expect(await service.stores.eventStore.headPosition()).toBe(before);
  });
});
