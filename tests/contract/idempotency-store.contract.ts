import { randomUUID } from 'node:crypto';
import type { IdempotencyRecord, IdempotencyStore } from '../../src/application/ports';

const recordFor = (key: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  key,
  requestHash: 'hash-1',
  status: 201,
  headers: { etag: '"0"', location: '/orders/x' },
  body: { id: 'x', revision: 0, position: '12', nested: { ok: true } },
  createdAt: new Date().toISOString(),
  ...overrides,
});

/** Every IdempotencyStore adapter runs this suite. */
export const idempotencyStoreContract = (adapterName: string, factory: () => Promise<{ store: IdempotencyStore; dispose(): Promise<void> }>) => {
  describe(`IdempotencyStore contract: ${adapterName}`, () => {
    let store: IdempotencyStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => ({ store, dispose } = await factory()));
    afterAll(async () => dispose());

    it('returns null for an unknown key', async () => {
      expect(await store.get(`k-${randomUUID()}`)).toBeNull();
    });

    it('stores a record and returns it unchanged', async () => {
      const record = recordFor(`k-${randomUUID()}`);
      expect(await store.putIfAbsent(record)).toEqual(record);
      expect(await store.get(record.key)).toEqual(record);
    });

    it('keeps the first record: a second put with the same key returns the stored one', async () => {
      const key = `k-${randomUUID()}`;
      const first = recordFor(key);
      await store.putIfAbsent(first);
      const second = await store.putIfAbsent(recordFor(key, { requestHash: 'hash-2', status: 200 }));
      expect(second).toEqual(first);
      expect(await store.get(key)).toEqual(first);
    });

    it('lets exactly one of many concurrent puts win', async () => {
      const key = `k-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.putIfAbsent(recordFor(key, { requestHash: `hash-${i}` }))));
      const winners = new Set(results.map((r) => r.requestHash));
      expect(winners.size).toBe(1);
      expect((await store.get(key))?.requestHash).toBe([...winners][0]);
    });

    it('does not share state between keys', async () => {
      const a = recordFor(`k-${randomUUID()}`, { requestHash: 'a' });
      const b = recordFor(`k-${randomUUID()}`, { requestHash: 'b' });
      await store.putIfAbsent(a);
      await store.putIfAbsent(b);
      expect((await store.get(a.key))?.requestHash).toBe('a');
      expect((await store.get(b.key))?.requestHash).toBe('b');
    });
  });
};
