import { MemoryIdempotencyStore } from '../../../src/adapters/memory/memory-idempotency-store';
import { idempotencyStoreContract } from '../idempotency-store.contract';

idempotencyStoreContract('memory', async () => ({ store: new MemoryIdempotencyStore(), dispose: async () => {} }));

describe('MemoryIdempotencyStore', () => {
  it('evicts the oldest record beyond its capacity', async () => {
    const store = new MemoryIdempotencyStore(2);
    const record = (key: string) => ({ key, requestHash: key, status: 200, headers: {}, body: null, createdAt: '2024-01-01T00:00:00.000Z' });
    for (const key of ['a', 'b', 'c']) await store.putIfAbsent(record(key));
    expect(await store.get('a')).toBeNull();
    expect(await store.get('c')).not.toBeNull();
  });
});
