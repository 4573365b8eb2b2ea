import { MemoryIdempotencyStore } from '../../../src/adapters/memory/memory-idempotency-store';
import { uuidIdGenerator } from '../../../src/adapters/runtime/uuid-id-generator';
import { canonicalJson, IdempotencyGuard, isRecordable, type RecordedAnswer } from '../../../src/adapters/http/idempotency';
import { HttpProblem } from '../../../src/adapters/http/problem-details';
import type { IdempotencyRecord, IdempotencyStore } from '../../../src/application/ports';

const clock = { now: () => new Date('2025-01-02T03:04:05.000Z') };
const ok = (body: unknown = { id: 'a', revision: 1, position: '9' }): RecordedAnswer => ({ status: 200, headers: { 'Content-Type': 'application/json', ETag: '"1"' }, body });

describe('canonical JSON and the request hash', () => {
  it('sorts keys at every level, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson('x')).toBe('"x"');
  });

  it('hashes method, path and body: the same request is the same hash, any difference is another', () => {
    const guard = new IdempotencyGuard(new MemoryIdempotencyStore(), uuidIdGenerator, clock);
    const hash = guard.requestHash('POST', '/orders/1/items', { quantity: 1, productId: 'p' });
    expect(guard.requestHash('post', '/orders/1/items', { productId: 'p', quantity: 1 })).toBe(hash);
    expect(guard.requestHash('POST', '/orders/2/items', { quantity: 1, productId: 'p' })).not.toBe(hash);
    expect(guard.requestHash('POST', '/orders/1/items', { quantity: 2, productId: 'p' })).not.toBe(hash);
    expect(guard.requestHash('DELETE', '/orders/1/items', { quantity: 1, productId: 'p' })).not.toBe(hash);
    expect(guard.requestHash('POST', '/orders/1/submit', undefined)).toBe(guard.requestHash('POST', '/orders/1/submit', {}));
  });
});

describe('IdempotencyGuard', () => {
  it('accepts printable keys up to 255 characters', () => {
    expect(['a', 'f0e1-ULID_01H.x:y', 'x'.repeat(255)].every(IdempotencyGuard.isValidKey)).toBe(true);
    expect(['', 'with space', 'x'.repeat(256), 'tab\t', 'é'].some(IdempotencyGuard.isValidKey)).toBe(false);
  });

  it('derives the command id (and a created resource id) from actor and key only', () => {
    const guard = new IdempotencyGuard(new MemoryIdempotencyStore(), uuidIdGenerator, clock);
    const scope = guard.scope('apikey:abc', 'k1');
    expect(guard.commandId(scope)).toBe(guard.commandId(guard.scope('apikey:abc', 'k1')));
    expect(guard.commandId(scope)).not.toBe(guard.commandId(guard.scope('apikey:def', 'k1')));
    expect(guard.createdId(scope)).not.toBe(guard.commandId(scope));
    expect(guard.commandId(scope)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs a new request once, records it, and replays it for the same request', async () => {
    const store = new MemoryIdempotencyStore();
    const guard = new IdempotencyGuard(store, uuidIdGenerator, clock);
    const execute = jest.fn(async () => ok());
    const first = await guard.run('me:k', 'hash-1', execute);
    expect(first).toEqual({ answer: ok(), replayed: false });
    expect(await store.get('me:k')).toEqual({ key: 'me:k', requestHash: 'hash-1', ...ok(), createdAt: '2025-01-02T03:04:05.000Z' });
    const again = await guard.run('me:k', 'hash-1', execute);
    expect(again).toEqual({ answer: ok(), replayed: true });
    expect(execute).toHaveBeenCalledTimes(1);
  });

  it('refuses another request under the same key with 422 IdempotencyKeyReused, without running it', async () => {
    const guard = new IdempotencyGuard(new MemoryIdempotencyStore(), uuidIdGenerator, clock);
    await guard.run('me:k', 'hash-1', async () => ok());
    const execute = jest.fn(async () => ok());
    await expect(guard.run('me:k', 'hash-2', execute)).rejects.toMatchObject({ status: 422, options: { code: 'IdempotencyKeyReused' } });
    await expect(guard.run('me:k', 'hash-2', execute)).rejects.toBeInstanceOf(HttpProblem);
    expect(execute).not.toHaveBeenCalled();
  });

  it('records successes and domain refusals only: a conflict or an outage may succeed when retried', async () => {
    expect([200, 201, 422].map(isRecordable)).toEqual([true, true, true]);
    expect([400, 404, 409, 412, 500, 503].map(isRecordable)).toEqual([false, false, false, false, false, false]);
    const store = new MemoryIdempotencyStore();
    const guard = new IdempotencyGuard(store, uuidIdGenerator, clock);
    await guard.run('me:k', 'h', async () => ({ status: 409, headers: {}, body: {} }));
    expect(await store.get('me:k')).toBeNull();
    await guard.run('me:k', 'h', async () => ({ status: 422, headers: { 'Content-Type': 'application/problem+json' }, body: { code: 'EmptyOrder' } }));
    expect(await store.get('me:k')).toMatchObject({ status: 422, body: { code: 'EmptyOrder' } });
    await expect(guard.run('other:k', 'h', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await store.get('other:k')).toBeNull();
  });

  it('answers a race with whichever record was stored first', async () => {
    const store = new MemoryIdempotencyStore();
    const guard = new IdempotencyGuard(store, uuidIdGenerator, clock);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = guard.run('me:k', 'h', async () => {
      await gate;
      return ok({ run: 'slow' });
    });
    const fast = await guard.run('me:k', 'h', async () => ok({ run: 'fast' }));
    release();
    expect(fast.answer.body).toEqual({ run: 'fast' });
    expect((await slow).answer.body).toEqual({ run: 'fast' });
  });

  it('refuses, in a race, a different request whose record lost', async () => {
    const records = new Map<string, IdempotencyRecord>();
    // A store where get() has not seen the other writer yet (another replica).
    const store: IdempotencyStore = {
      get: async () => null,
      putIfAbsent: async (record) => records.get(record.key) ?? (records.set(record.key, record), record),
    };
    const guard = new IdempotencyGuard(store, uuidIdGenerator, clock);
    await guard.run('me:k', 'h1', async () => ok());
    await expect(guard.run('me:k', 'h2', async () => ok({ other: true }))).rejects.toMatchObject({ status: 422 });
  });
});
