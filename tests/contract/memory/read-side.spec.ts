import { MemoryCheckpointStore } from '../../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../../src/adapters/memory/memory-documents';
import { MemoryParkedEventStore } from '../../../src/adapters/memory/memory-parked-event-store';
import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import { MemorySnapshotStore } from '../../../src/adapters/memory/memory-snapshot-store';
import { collections, type OrderSearchDocument } from '../../../src/application/projections/read-models';
import { checkpointStoreContract } from '../checkpoint-store.contract';
import { parkedEventStoreContract } from '../parked-event-store.contract';
import { readModelStoreContract } from '../read-model-store.contract';
import { snapshotStoreContract } from '../snapshot-store.contract';

const dispose = async () => {};

readModelStoreContract('memory', async (definitions) => {
  const documents = new MemoryDocuments();
  return { readModels: new MemoryReadModelStore(documents, definitions), checkpoints: new MemoryCheckpointStore(documents), dispose };
});
checkpointStoreContract('memory', async () => ({ checkpoints: new MemoryCheckpointStore(), dispose }));
snapshotStoreContract('memory', async () => ({ snapshots: new MemorySnapshotStore(), dispose }));
parkedEventStoreContract('memory', async () => ({ parked: new MemoryParkedEventStore(), dispose }));

describe('memory read side, beyond the contracts', () => {
  it('searches the real read-model definitions by default (order_search: customer and product names)', async () => {
    const store = new MemoryReadModelStore();
    const doc = (orderId: string, customerName: string, productName: string): OrderSearchDocument => ({
      orderId,
      customerId: 'c1',
      customerName,
      status: 'draft',
      products: [{ productId: 'p1', name: productName }],
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    await store.commit(
      [
        { kind: 'put', collection: collections.orderSearch, id: 'o1', data: doc('o1', 'Ada Lovelace', 'Brass Lamp'), position: '1' },
        { kind: 'put', collection: collections.orderSearch, id: 'o2', data: doc('o2', 'Lamp Lighter', 'Oak Desk'), position: '2' },
      ],
      null,
    );

    expect((await store.search(collections.orderSearch, 'lamp', 10)).map((found) => found.id)).toEqual(['o2', 'o1']);
    expect(await store.search(collections.orderList, 'lamp', 10)).toEqual([]);
  });

  it('leases expire on the injected clock, exactly at expiresAt', async () => {
    let now = Date.parse('2024-01-01T00:00:00.000Z');
    const checkpoints = new MemoryCheckpointStore(new MemoryDocuments(), { now: () => new Date(now) });

    expect(await checkpoints.tryAcquireLease('p', 'a', 1_000)).toBe(true);
    expect(await checkpoints.leaseOf('p')).toEqual({ owner: 'a', expiresAt: '2024-01-01T00:00:01.000Z' });
    now += 999;
    expect(await checkpoints.tryAcquireLease('p', 'b', 1_000)).toBe(false);
    now += 1;
    expect(await checkpoints.leaseOf('p')).toBeNull();
    expect(await checkpoints.tryAcquireLease('p', 'b', 1_000)).toBe(true);
    expect(await checkpoints.leaseOf('p')).toEqual({ owner: 'b', expiresAt: '2024-01-01T00:00:02.000Z' });
  });

  it('a commit with a document JSON cannot hold changes nothing', async () => {
    const documents = new MemoryDocuments();
    const store = new MemoryReadModelStore(documents, []);
    const checkpoints = new MemoryCheckpointStore(documents);

    await expect(
      store.commit(
        [
          { kind: 'put', collection: 'c', id: 'a', data: { n: 1 }, position: '1' },
          { kind: 'put', collection: 'c', id: 'b', data: { n: 1n }, position: '2' },
        ],
        { projection: 'p', position: '2' },
      ),
    ).rejects.toThrow(TypeError);

    expect(await store.count('c')).toBe(0);
    expect(await checkpoints.load('p')).toBeNull();
  });

  it('rejects documents that are not JSON objects and invalid limits', async () => {
    const store = new MemoryReadModelStore(new MemoryDocuments(), []);

    await expect(store.commit([{ kind: 'put', collection: 'c', id: 'a', data: [1, 2], position: '1' }], null)).rejects.toThrow(TypeError);
    await expect(store.find('c', { orderBy: { fields: ['id'], direction: 'asc' }, limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.search('c', 'lamp', 0)).rejects.toThrow(RangeError);
  });
});
