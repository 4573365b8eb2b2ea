import { MongoNetworkError } from 'mongodb';
import { positionSortKey as key, silentLogger, StoreUnavailable, type DocumentWrite, type ReadModelDefinition } from '../../../src/application/ports';
import { internalCollections, MongoCollections } from '../../../src/adapters/mongodb/mongo-collections';
import { putGuard } from '../../../src/adapters/mongodb/mongo-documents';
import { MongoReadModelStore, TRANSACTION_OPTIONS } from '../../../src/adapters/mongodb/mongo-read-model-store';
import { bulkWriteError, DriverDouble, serverError, type Call } from './driver-double';

const CHECKPOINTS = internalCollections.checkpoints;

const definitions: ReadModelDefinition[] = [
  { collection: 'order_list', indexes: [['customerId', 'createdAt']] },
  {
    collection: 'order_search',
    textFields: [
      { field: 'customerName', weight: 3 },
      { field: 'products.name', weight: 2 },
    ],
  },
];

const open = (transactions: boolean) => {
  const double = new DriverDouble();
  const collections = new MongoCollections(double.db, definitions, silentLogger);
  const store = new MongoReadModelStore({ db: double.db, client: double.client, transactions, collections, logger: silentLogger });
  return { double, store };
};

const put = (collection: string, id: string, data: unknown, position: string): DocumentWrite => ({ kind: 'put', collection, id, data, position });

/** The data-changing calls, in order, as "target.method". */
const writesOf = (calls: readonly Call[]) =>
  calls.filter((call) => ['bulkWrite', 'updateMany', 'updateOne', 'deleteOne', 'withTransaction'].includes(call.method)).map((call) => `${call.target}.${call.method}`);

describe('MongoReadModelStore (driver double)', () => {
  describe('commit on a standalone server', () => {
    it('sends one unordered bulkWrite per collection, then the checkpoint', async () => {
      const { double, store } = open(false);

      await store.commit(
        [put('order_list', 'o1', { customerId: 'c1' }, '5'), put('order_list_customers', 'c1', { name: 'Ada' }, '4'), put('order_list', 'o2', { customerId: 'c2' }, '5')],
        { projection: 'order-list', position: '5' },
      );

      expect(writesOf(double.calls)).toEqual(['order_list.bulkWrite', 'order_list_customers.bulkWrite', `${CHECKPOINTS}.updateOne`]);
      const [operations, options] = double.callsTo('bulkWrite', 'order_list')[0]?.args ?? [];
      expect(options).toEqual({ ordered: false, session: undefined });
      expect(operations).toEqual([
        { replaceOne: { filter: putGuard('o1', key('5')), replacement: { pos: key('5'), position: '5', rev: null, data: { customerId: 'c1' } }, upsert: true } },
        { replaceOne: { filter: putGuard('o2', key('5')), replacement: { pos: key('5'), position: '5', rev: null, data: { customerId: 'c2' } }, upsert: true } },
      ]);
      expect(double.callsTo('updateOne', CHECKPOINTS)[0]?.args).toEqual([
        { _id: 'order-list' },
        { $set: { position: '5', pos: key('5') } },
        { upsert: true, session: undefined },
      ]);
    });

    it('ignores E11000 on guarded upserts: those documents are already newer', async () => {
      const { double, store } = open(false);
      double.on('c', 'bulkWrite', () => Promise.reject(bulkWriteError([[0, 11000], [2, 11000]])));

      await store.commit([put('c', 'a', {}, '3'), { kind: 'delete', collection: 'c', id: 'b', position: '3' }, put('c', 'd', {}, '3')], { projection: 'p', position: '3' });

      expect(double.callsTo('updateOne', CHECKPOINTS)).toHaveLength(1);
    });

    it('rethrows any other write error, an E11000 on a non-upsert, and a write concern error; no checkpoint then', async () => {
      const attempt = async (error: Error) => {
        const { double, store } = open(false);
        double.on('c', 'bulkWrite', () => Promise.reject(error));
        await expect(store.commit([put('c', 'a', {}, '3'), { kind: 'delete', collection: 'c', id: 'b', position: '3' }], { projection: 'p', position: '3' })).rejects.toBe(error);
        expect(double.callsTo('updateOne', CHECKPOINTS)).toHaveLength(0);
      };

      await attempt(bulkWriteError([[0, 11000], [1, 121]]));
      await attempt(bulkWriteError([[1, 11000]]));
      await attempt(bulkWriteError([[0, 11000]], [{ code: 64, errmsg: 'waiting for replication timed out' }]));
    });

    it('maps a lost connection to StoreUnavailable (the runner retries instead of parking)', async () => {
      const { double, store } = open(false);
      double.on('c', 'bulkWrite', () => Promise.reject(new MongoNetworkError('connection reset')));

      await expect(store.commit([put('c', 'a', {}, '1')], null)).rejects.toBeInstanceOf(StoreUnavailable);
    });

    it('sends nothing when a write is invalid (BigInt, bad position)', async () => {
      const { double, store } = open(false);

      await expect(store.commit([put('c', 'a', { n: 1 }, '1'), put('c', 'b', { n: 2n }, '2')], { projection: 'p', position: '2' })).rejects.toThrow(TypeError);
      await expect(store.commit([put('c', 'a', {}, '1')], { projection: 'p', position: 'x' })).rejects.toThrow();

      expect(writesOf(double.calls)).toEqual([]);
    });

    it('creates a collection with its indexes once, before the first write into it', async () => {
      const { double, store } = open(false);

      await store.commit([put('order_list', 'o1', {}, '1')], null);
      await store.commit([put('order_list', 'o2', {}, '2')], null);

      expect(double.callsTo('createIndexes', 'order_list')).toHaveLength(1);
      expect(double.calls.findIndex((call) => call.method === 'createIndexes')).toBeLessThan(double.calls.findIndex((call) => call.method === 'bulkWrite'));
    });

    it('a fan-out is an updateMany with arrayFilters; on a text collection the touched documents get new words', async () => {
      const { double, store } = open(false);
      double.on('order_search', 'find', () => [{ _id: 'o1', data: { customerName: 'Ada', products: [{ productId: 'p1', name: 'Brass Lamp' }] } }]);
      const match = { productId: 'p1' };

      await store.commit(
        [
          {
            kind: 'update-where',
            collection: 'order_search',
            where: { array: 'products', elementMatches: match },
            setInArray: { array: 'products', elementMatches: match, set: { name: 'Brass Lamp' } },
            position: '9',
          },
        ],
        { projection: 'order-search', position: '9' },
      );

      expect(double.callsTo('updateMany', 'order_search')[0]?.args).toEqual([
        { 'data.products': { $elemMatch: { productId: 'p1' } }, pos: { $lt: key('9') } },
        { $set: { pos: key('9'), position: '9', 'data.products.$[el].name': 'Brass Lamp' } },
        { arrayFilters: [{ 'el.productId': 'p1' }], session: undefined },
      ]);
      expect(double.callsTo('find', 'order_search')[0]?.args).toEqual([{ pos: key('9') }, { projection: { data: 1 }, session: undefined }]);
      expect(double.callsTo('bulkWrite', 'order_search')[0]?.args[0]).toEqual([
        { updateOne: { filter: { _id: 'o1', pos: key('9') }, update: { $set: { words: ['ada', 'brass', 'lamp'], weights: { ada: 3, brass: 2, lamp: 2 } } } } },
      ]);
      expect(writesOf(double.calls)).toEqual(['order_search.updateMany', 'order_search.bulkWrite', `${CHECKPOINTS}.updateOne`]);
    });
  });

  describe('commit on a replica set', () => {
    it('runs the batch and its checkpoint in one transaction, every operation in its session', async () => {
      const { double, store } = open(true);

      await store.commit([put('order_list', 'o1', {}, '5'), { kind: 'update-where', collection: 'order_list', where: { field: 'customerId', equals: 'c1' }, set: { customerName: 'Grace' }, position: '5' }], {
        projection: 'order-list',
        position: '5',
      });

      expect(double.callsTo('withTransaction')[0]?.args).toEqual([TRANSACTION_OPTIONS]);
      const inside = double.calls.filter((call) => call.target !== 'session' && call.method !== 'createIndexes');
      expect(inside.map((call) => `${call.target}.${call.method}`)).toEqual(['order_list.find', 'order_list.bulkWrite', 'order_list.updateMany', `${CHECKPOINTS}.updateOne`]);
      expect(inside.every((call) => call.inTransaction && call.session === double.sessions[0])).toBe(true);
      expect(double.callsTo('endSession')).toHaveLength(1);
    });

    it('drops the puts the guard would refuse before writing (an E11000 would abort the transaction)', async () => {
      const { double, store } = open(true);
      double.on('c', 'find', () => [
        { _id: 'newer', pos: key('9'), rev: null },
        { _id: 'older', pos: key('2'), rev: null },
        { _id: 'by-revision', pos: key('99'), rev: 1 },
      ]);

      await store.commit(
        [put('c', 'newer', {}, '5'), put('c', 'older', {}, '5'), put('c', 'absent', {}, '5'), { kind: 'put', collection: 'c', id: 'by-revision', data: {}, position: '5', revision: 2 }],
        { projection: 'p', position: '5' },
      );

      expect(double.callsTo('find', 'c')[0]?.args[0]).toEqual({ _id: { $in: ['newer', 'older', 'absent', 'by-revision'] } });
      const written = (double.callsTo('bulkWrite', 'c')[0]?.args[0] as { replaceOne: { filter: { _id: string } } }[]).map((op) => op.replaceOne.filter._id);
      expect(written).toEqual(['older', 'absent', 'by-revision']);
    });

    it('a retried transaction callback sends the whole batch again, checkpoint included', async () => {
      const { double, store } = open(true);
      const { startSession } = double.client;
      double.client.startSession = () => {
        const session = startSession();
        (session as unknown as { attempts: number }).attempts = 2;
        return session;
      };

      await store.commit([put('c', 'a', {}, '1')], { projection: 'p', position: '1' });

      expect(double.callsTo('bulkWrite', 'c')).toHaveLength(2);
      expect(double.callsTo('updateOne', CHECKPOINTS)).toHaveLength(2);
    });

    it('a commit with only a checkpoint needs no transaction', async () => {
      const { double, store } = open(true);

      await store.commit([], { projection: 'p', position: '7' });

      expect(writesOf(double.calls)).toEqual([`${CHECKPOINTS}.updateOne`]);
    });
  });

  describe('queries', () => {
    it('find: where, range and keyset become one filter on data.*, sorted by the fields then _id', async () => {
      const { double, store } = open(false);
      double.on('order_list', 'find', () => [{ _id: 'o1', pos: key('3'), position: '3', rev: 2, data: { customerId: 'c1' } }]);

      const found = await store.find('order_list', {
        where: { customerId: 'c1' },
        range: { field: 'createdAt', gte: '2024-01-01' },
        orderBy: { fields: ['createdAt', 'id'], direction: 'desc' },
        after: ['2024-02-01', 'o9'],
        limit: 20,
      });

      expect(found).toEqual([{ id: 'o1', position: '3', revision: 2, data: { customerId: 'c1' } }]);
      expect(double.callsTo('find', 'order_list')[0]?.args).toEqual([
        {
          $and: [
            { 'data.customerId': 'c1' },
            { 'data.createdAt': { $gte: '2024-01-01' } },
            { 'data.createdAt': { $lte: '2024-02-01' }, $or: [{ 'data.createdAt': { $lt: '2024-02-01' } }, { 'data.createdAt': '2024-02-01', _id: { $lt: 'o9' } }] },
          ],
        },
        { sort: { 'data.createdAt': -1, _id: -1 }, limit: 20, projection: { words: 0, weights: 0 } },
      ]);
    });

    it('find refuses an order that does not end with the id, and bad limits', async () => {
      const { store } = open(false);

      await expect(store.find('c', { orderBy: { fields: ['rank'], direction: 'asc' }, limit: 10 })).rejects.toThrow(RangeError);
      await expect(store.find('c', { orderBy: { fields: ['id'], direction: 'asc' }, limit: 0 })).rejects.toThrow(RangeError);
    });

    it('search: all query words as whole words ($all on words), scored by the stored weights, ties by id', async () => {
      const { double, store } = open(false);

      await store.search('order_search', '  Brass, LAMP! brass ', 5);

      expect(double.callsTo('aggregate', 'order_search')[0]?.args[0]).toEqual([
        { $match: { words: { $all: ['brass', 'lamp'] } } },
        {
          $addFields: {
            _score: {
              $add: [
                { $ifNull: [{ $getField: { field: { $literal: 'brass' }, input: '$weights' } }, 0] },
                { $ifNull: [{ $getField: { field: { $literal: 'lamp' }, input: '$weights' } }, 0] },
              ],
            },
          },
        },
        { $sort: { _score: -1, _id: 1 } },
        { $limit: 5 },
        { $project: { words: 0, weights: 0, _score: 0 } },
      ]);
    });

    it('search without words, or on a collection without text fields, asks nothing', async () => {
      const { double, store } = open(false);

      expect(await store.search('order_search', ' ,; ', 5)).toEqual([]);
      expect(await store.search('order_list', 'lamp', 5)).toEqual([]);
      expect(double.callsTo('aggregate')).toEqual([]);
    });

    it('a rebuild copy searches with its live collection text fields', async () => {
      const { double, store } = open(false);

      await store.search('order_search__rebuild', 'lamp', 5);

      expect(double.callsTo('aggregate', 'order_search__rebuild')).toHaveLength(1);
    });
  });

  describe('rebuild', () => {
    it('resetCollections drops each collection and creates it again with its indexes', async () => {
      const { double, store } = open(false);

      await store.resetCollections(['order_list__rebuild']);

      expect(double.calls.map((call) => `${call.target}.${call.method}`)).toEqual(['db.dropCollection', 'order_list__rebuild.createIndexes']);
      expect(double.callsTo('createIndexes')[0]?.args[0]).toContainEqual({ key: { 'data.customerId': 1, 'data.createdAt': 1, _id: 1 }, name: 'by_customerId_createdAt' });
    });

    it('promoteCollections renames every copy over its live collection, then moves the checkpoint last', async () => {
      const { double, store } = open(false);
      double.on(CHECKPOINTS, 'findOne', async () => ({ _id: 'p__rebuild', position: '42', pos: key('42') }));

      await store.promoteCollections(
        [
          { from: 'order_list__rebuild', to: 'order_list' },
          { from: 'order_list_customers__rebuild', to: 'order_list_customers' },
        ],
        { from: 'p__rebuild', to: 'p' },
      );

      expect(double.calls.filter((call) => call.method !== 'createIndexes').map((call) => `${call.target}.${call.method}`)).toEqual([
        'db.renameCollection',
        'db.renameCollection',
        `${CHECKPOINTS}.findOne`,
        `${CHECKPOINTS}.updateOne`,
        `${CHECKPOINTS}.deleteOne`,
      ]);
      expect(double.callsTo('renameCollection')[0]?.args).toEqual(['order_list__rebuild', 'order_list', { dropTarget: true }]);
      expect(double.callsTo('updateOne', CHECKPOINTS)[0]?.args.slice(0, 2)).toEqual([{ _id: 'p' }, { $set: { position: '42', pos: key('42') } }]);
      expect(double.callsTo('deleteOne', CHECKPOINTS)[0]?.args[0]).toEqual({ _id: 'p__rebuild' });
    });

    it('a missing copy counts as empty: the live collection is dropped; a missing checkpoint clears the live one', async () => {
      const { double, store } = open(true);
      double.on('db', 'renameCollection', () => Promise.reject(serverError(26, 'source namespace does not exist')));

      await store.promoteCollections([{ from: 'c__rebuild', to: 'c' }], { from: 'p__rebuild', to: 'p' });

      expect(double.callsTo('dropCollection')[0]?.args).toEqual(['c']);
      expect(double.callsTo('deleteOne', CHECKPOINTS).map((call) => call.args[0])).toEqual([{ _id: 'p' }, { _id: 'p__rebuild' }]);
      expect(double.callsTo('deleteOne', CHECKPOINTS).every((call) => call.inTransaction)).toBe(true);
    });

    it('refuses moves that repeat a collection, and the adapter’s own collections', async () => {
      const { store } = open(false);

      await expect(store.promoteCollections([{ from: 'a', to: 'a' }], { from: 'x', to: 'y' })).rejects.toThrow(RangeError);
      await expect(store.resetCollections([CHECKPOINTS])).rejects.toThrow(RangeError);
    });
  });
});
