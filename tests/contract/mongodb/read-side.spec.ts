import { MongoClient } from 'mongodb';
import { createMongoReadStore } from '../../../src/adapters/mongodb';
import type { ReadModelRecord } from '../../../src/adapters/mongodb/mongo-documents';
import { findQueryOf, searchPipelineOf } from '../../../src/adapters/mongodb/mongo-queries';
import { wordsOf } from '../../../src/adapters/memory/text-search';
import { silentLogger, type DocumentWrite, type FindQuery, type ReadModelDefinition } from '../../../src/application/ports';
import { checkpointStoreContract } from '../checkpoint-store.contract';
import { idempotencyStoreContract } from '../idempotency-store.contract';
import { parkedEventStoreContract } from '../parked-event-store.contract';
import { readModelStoreContract, uniqueName } from '../read-model-store.contract';
import { snapshotStoreContract } from '../snapshot-store.contract';
import { describeWithMongo } from './server';

jest.setTimeout(30_000);

/** Every `stage` and `indexName` anywhere in an explain output (classic and SBE plans nest differently). */
const planOf = (explain: unknown): { stages: string[]; indexes: string[] } => {
  const stages: string[] = [];
  const indexes: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'stage' && typeof value === 'string') stages.push(value);
        else if (key === 'indexName' && typeof value === 'string') indexes.push(value);
        else if (key !== 'rejectedPlans') walk(value);
      }
    }
  };
  walk(explain);
  return { stages, indexes };
};

describeWithMongo('MongoDB read side', (server) => {
  const open = (definitions?: readonly ReadModelDefinition[]) =>
    createMongoReadStore({ url: server().url, dbName: server().dbName, logger: silentLogger, ...(definitions ? { definitions } : {}) });

  // atomicCommit: the contract's failing commit carries an invalid position, which this adapter refuses before the first
  // round trip — so even a standalone server passes it; what a transaction adds is tested below.
  readModelStoreContract('mongodb', async (definitions) => {
    const store = await open(definitions);
    return { readModels: store.readModels, checkpoints: store.checkpoints, dispose: store.close };
  });
  checkpointStoreContract('mongodb', async () => {
    const store = await open([]);
    return { checkpoints: store.checkpoints, dispose: store.close };
  });
  snapshotStoreContract('mongodb', async () => {
    const store = await open([]);
    return { snapshots: store.snapshots, dispose: store.close };
  });
  parkedEventStoreContract('mongodb', async () => {
    const store = await open([]);
    return { parked: store.parked, dispose: store.close };
  });
  idempotencyStoreContract('mongodb', async () => {
    const store = await open([]);
    return { store: store.idempotency, dispose: store.close };
  });

  describe('MongoDB specifics', () => {
    let client: MongoClient;
    beforeAll(async () => {
      client = await new MongoClient(server().url).connect();
    });
    afterAll(async () => {
      await client?.close();
    });

    const put = (collection: string, id: string, data: unknown, position: string): DocumentWrite => ({ kind: 'put', collection, id, data, position });

    it('creates the indexes of the real read models at start, and starting again changes nothing', async () => {
      const first = await open();
      await first.close();
      const again = await open();
      await again.close();

      const indexNames = async (collection: string) => (await client.db(server().dbName).collection(collection).indexes()).map((index) => index.name);
      expect(await indexNames('order_list')).toEqual(expect.arrayContaining(['by_customerId_createdAt', 'by_status_createdAt', 'by_createdAt', 'pos']));
      expect(await indexNames('daily_sales')).toEqual(expect.arrayContaining(['by_date']));
      expect(await indexNames('order_search')).toEqual(expect.arrayContaining(['text', 'words']));
      const text = (await client.db(server().dbName).collection('order_search').indexes()).find((index) => index.name === 'text');
      expect(text?.weights).toEqual({ 'data.customerName': 3, 'data.products.name': 2 });
    });

    it('order-list queries use the compound indexes: IXSCAN, no COLLSCAN, no in-memory SORT', async () => {
      const c = uniqueName('orders');
      const store = await open([{ collection: c, indexes: [['customerId', 'createdAt'], ['status', 'createdAt']] }]);
      try {
        const statuses = ['draft', 'submitted', 'paid', 'shipped'];
        await store.readModels.commit(
          Array.from({ length: 400 }, (_, i) =>
            put(c, `o${String(i).padStart(4, '0')}`, { customerId: `c${i % 20}`, status: statuses[i % 4], createdAt: `2024-01-01T00:${String(i % 60).padStart(2, '0')}:00.000Z` }, String(i + 1)),
          ),
          null,
        );
        const explain = async (query: FindQuery) => {
          const { filter, sort, limit } = findQueryOf(query);
          return planOf(await client.db(server().dbName).collection<ReadModelRecord>(c).find(filter, { sort, limit }).explain('queryPlanner'));
        };
        const newestFirst = { fields: ['createdAt', 'id'], direction: 'desc' } as const;

        const byCustomer = await explain({ where: { customerId: 'c3' }, orderBy: newestFirst, limit: 20 });
        const byStatus = await explain({ where: { status: 'paid' }, orderBy: newestFirst, after: ['2024-01-01T00:30:00.000Z', 'o0100'], limit: 20 });

        for (const plan of [byCustomer, byStatus]) {
          expect(plan.stages).toContain('IXSCAN');
          expect(plan.stages).not.toContain('COLLSCAN');
          expect(plan.stages).not.toContain('SORT');
        }
        expect(byCustomer.indexes).toContain('by_customerId_createdAt');
        expect(byStatus.indexes).toContain('by_status_createdAt');
      } finally {
        await store.close();
      }
    });

    it('the search filters on the words index; daily sales by date use theirs', async () => {
      const [search, sales] = [uniqueName('search'), uniqueName('sales')];
      const store = await open([
        { collection: search, textFields: [{ field: 'customerName', weight: 3 }] },
        { collection: sales, indexes: [['date']] },
      ]);
      try {
        await store.readModels.commit(
          Array.from({ length: 200 }, (_, i) => put(search, `o${i}`, { customerName: `Customer ${i} Lovelace` }, String(i + 1))).concat(
            Array.from({ length: 200 }, (_, i) => put(sales, `d${i}`, { date: `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}` }, String(i + 1))),
          ),
          null,
        );
        const db = client.db(server().dbName);
        const searchPlan = planOf(await db.collection(search).aggregate(searchPipelineOf(wordsOf('customer 7'), 10)).explain('queryPlanner'));
        const { filter, sort, limit } = findQueryOf({ range: { field: 'date', gte: '2024-03-01', lte: '2024-03-31' }, orderBy: { fields: ['date', 'id'], direction: 'asc' }, limit: 50 });
        const salesPlan = planOf(await db.collection<ReadModelRecord>(sales).find(filter, { sort, limit }).explain('queryPlanner'));

        expect(searchPlan.indexes).toContain('words');
        expect(searchPlan.stages).not.toContain('COLLSCAN');
        expect(salesPlan.indexes).toContain('by_date');
        expect(salesPlan.stages).not.toContain('COLLSCAN');
        expect((await store.readModels.search(search, 'customer 7', 10)).map((doc) => doc.id)).toEqual(['o7']);
      } finally {
        await store.close();
      }
    });

    it('a commit failing halfway: undone with its checkpoint on a replica set; on a standalone server the checkpoint stays behind', async () => {
      const store = await open([]);
      try {
        const [first, second] = [uniqueName('c'), uniqueName('c')];
        const projection = uniqueName('p');
        const oversized = { blob: 'x'.repeat(17 * 1024 * 1024) }; // above MongoDB's 16 MiB document limit

        await expect(store.readModels.commit([put(first, 'kept', { v: 1 }, '1'), put(second, 'big', oversized, '1')], { projection, position: '1' })).rejects.toThrow();

        expect(await store.checkpoints.load(projection)).toBeNull();
        expect(await store.readModels.count(first)).toBe(server().replicaSet ? 0 : 1);
      } finally {
        await store.close();
      }
    });

    it('stores positions as sortable strings and words beside the data, never BigInt', async () => {
      const c = uniqueName('search');
      const store = await open([{ collection: c, textFields: [{ field: 'name', weight: 1 }] }]);
      try {
        await store.readModels.commit([{ kind: 'put', collection: c, id: 'd', data: { name: 'Brass Lamp', n: 2 ** 40 }, position: '18446744073709551615/7', revision: 3 }], null);
        await expect(store.readModels.commit([put(c, 'e', { n: 1n }, '1')], null)).rejects.toThrow(/BigInt/);

        const raw = await client.db(server().dbName).collection<{ _id: string }>(c).findOne({ _id: 'd' });
        expect(raw).toEqual({
          _id: 'd',
          pos: '18446744073709551615/00000000000000000007',
          position: '18446744073709551615/7',
          rev: 3,
          data: { name: 'Brass Lamp', n: 2 ** 40 },
          words: ['brass', 'lamp'],
          weights: { brass: 1, lamp: 1 },
        });
        expect(await store.readModels.get(c, 'd')).toEqual({ id: 'd', position: '18446744073709551615/7', revision: 3, data: { name: 'Brass Lamp', n: 2 ** 40 } });
      } finally {
        await store.close();
      }
    });
  });
});
