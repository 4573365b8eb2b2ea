import { MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { createMongoReadStore } from '../../../src/adapters/mongodb';
import { silentLogger, StoreUnavailable, type Logger } from '../../../src/application/ports';
import { readModelDefinitions } from '../../../src/application/projections/read-models';
import { IDEMPOTENCY_TTL_SECONDS, indexSpecsOf, internalCollections, MongoCollections } from '../../../src/adapters/mongodb/mongo-collections';
import { isUnavailable, toStoreError } from '../../../src/adapters/mongodb/mongo-errors';
import { mongoHealthCheck } from '../../../src/adapters/mongodb/mongo-health-check';
import { MongoIdempotencyStore } from '../../../src/adapters/mongodb/mongo-idempotency-store';
import { MongoParkedEventStore } from '../../../src/adapters/mongodb/mongo-parked-event-store';
import { MongoSnapshotStore } from '../../../src/adapters/mongodb/mongo-snapshot-store';
import { bulkWriteError, DriverDouble, serverError } from './driver-double';

const definitionOf = (collection: string) => readModelDefinitions.find((definition) => definition.collection === collection) ?? null;

describe('MongoDB indexes', () => {
  it('order_search: the weighted text index on customer and product names, and the multikey words index the search uses', () => {
    expect(indexSpecsOf(definitionOf('order_search'))).toEqual([
      { key: { pos: 1 }, name: 'pos' },
      { key: { words: 1 }, name: 'words' },
      {
        key: { 'data.customerName': 'text', 'data.products.name': 'text' },
        name: 'text',
        weights: { 'data.customerName': 3, 'data.products.name': 2 },
        default_language: 'none',
        language_override: 'textIndexLanguage',
      },
    ]);
  });

  it('order_list by customer + createdAt and by status + createdAt; daily sales by date — each ending with _id, the sort tie-breaker', () => {
    const orderList = indexSpecsOf(definitionOf('order_list'));
    expect(orderList).toContainEqual({ key: { 'data.customerId': 1, 'data.createdAt': 1, _id: 1 }, name: 'by_customerId_createdAt' });
    expect(orderList).toContainEqual({ key: { 'data.status': 1, 'data.createdAt': 1, _id: 1 }, name: 'by_status_createdAt' });
    expect(Object.keys(indexSpecsOf(definitionOf('order_list'))[1]?.key ?? {})).toEqual(['data.customerId', 'data.createdAt', '_id']);
    expect(indexSpecsOf(definitionOf('daily_sales'))).toEqual([
      { key: { pos: 1 }, name: 'pos' },
      { key: { 'data.date': 1, _id: 1 }, name: 'by_date' },
    ]);
  });

  it('creates internal collections with theirs: parked events by projection and age, idempotency records with a TTL', async () => {
    const double = new DriverDouble();

    await new MongoCollections(double.db, [], silentLogger).ensureInternal();

    expect(double.callsTo('createIndexes', internalCollections.parked)[0]?.args[0]).toEqual([
      { key: { projection: 1, parkedAt: 1, _id: 1 }, name: 'by_projection_parkedAt' },
      { key: { parkedAt: 1, _id: 1 }, name: 'by_parkedAt' },
    ]);
    expect(double.callsTo('createIndexes', internalCollections.idempotency)[0]?.args[0]).toEqual([
      { key: { storedAt: 1 }, name: 'expiry', expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS },
    ]);
    expect(double.callsTo('createCollection').map((call) => call.args[0])).toEqual([internalCollections.checkpoints, internalCollections.leases, internalCollections.snapshots]);
  });

  it('an index whose definition changed is reported, the others still created', async () => {
    const double = new DriverDouble();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (fields) => warnings.push(String(fields.index)) };
    double.on(
      'order_list',
      'createIndexes',
      () => Promise.reject(serverError(85, 'Index already exists with different options')),
      async () => ['pos'],
      () => Promise.reject(serverError(86, 'different key')),
      async () => ['ok'],
    );

    await new MongoCollections(double.db, readModelDefinitions, logger).ensure('order_list');

    expect(warnings).toEqual(['by_customerId_createdAt']);
    expect(double.callsTo('createIndexes', 'order_list')).toHaveLength(1 + indexSpecsOf(definitionOf('order_list')).length);
  });
});

describe('MongoDB errors', () => {
  it('createMongoReadStore without a reachable server rejects with StoreUnavailable (the real driver, nothing listening)', async () => {
    const opening = createMongoReadStore({ url: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=200&connectTimeoutMS=200', dbName: 'none', logger: silentLogger });

    await expect(opening).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(opening).rejects.toThrow(/mongodb is unavailable/);
  });

  it('connectivity failures become StoreUnavailable; server refusals stay what they are', () => {
    expect(toStoreError(new MongoNetworkError('reset'))).toBeInstanceOf(StoreUnavailable);
    expect(toStoreError(new MongoServerSelectionError('no primary', { type: 'Unknown', servers: new Map() } as never))).toBeInstanceOf(StoreUnavailable);
    expect(isUnavailable(serverError(10107, 'not primary'))).toBe(true);
    const refused = serverError(2, 'BadValue');
    expect(toStoreError(refused)).toBe(refused);
    expect(isUnavailable(bulkWriteError([[0, 11000]]))).toBe(false);
  });
});

describe('MongoParkedEventStore, MongoSnapshotStore, MongoIdempotencyStore (driver double)', () => {
  const parkedEvent = { id: 'p:e1', projection: 'p', eventId: 'e1', streamId: 'order-1', revision: 3, position: '18446744073709551615', type: 'OrderPaid', error: 'boom', attempts: 3, parkedAt: '2024-03-01T10:00:00.000Z' };

  it('parking inserts once (upsert of $setOnInsert on the id); listing sorts oldest first', async () => {
    const double = new DriverDouble();
    const parked = new MongoParkedEventStore(double.db);
    const { id, ...rest } = parkedEvent;
    double.on(internalCollections.parked, 'find', () => [{ _id: id, ...rest }]);

    await parked.park(parkedEvent);
    const listed = await parked.list({ projection: 'p', limit: 10 });

    expect(double.callsTo('updateOne', internalCollections.parked)[0]?.args).toEqual([{ _id: id }, { $setOnInsert: rest }, { upsert: true }]);
    expect(double.callsTo('find', internalCollections.parked)[0]?.args).toEqual([{ projection: 'p' }, { sort: { parkedAt: 1, _id: 1 }, limit: 10 }]);
    expect(listed).toEqual([parkedEvent]);
  });

  it('a snapshot save is a guarded upsert (revision ≤ new); E11000 twice = a newer snapshot is stored', async () => {
    const double = new DriverDouble();
    const snapshots = new MongoSnapshotStore(double.db);
    double.on(internalCollections.snapshots, 'updateOne', () => Promise.reject(serverError(11000)));

    await snapshots.save({ streamId: 'order-1', revision: 4, stateVersion: 2, state: { status: 'paid' } });

    const calls = double.callsTo('updateOne', internalCollections.snapshots);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args).toEqual([{ _id: 'order-1', revision: { $lte: 4 } }, { $set: { revision: 4, stateVersion: 2, state: { status: 'paid' } } }, { upsert: true }]);
    await expect(snapshots.save({ streamId: 'order-1', revision: 5, stateVersion: 1, state: { n: 1n } })).rejects.toThrow(/BigInt/);
  });

  it('the idempotency store keeps the first record of a key: E11000 on insert → the stored record', async () => {
    const double = new DriverDouble();
    const store = new MongoIdempotencyStore(double.db);
    const first = { key: 'k', requestHash: 'h1', status: 201, headers: { etag: '"0"' }, body: { id: 'x' }, createdAt: '2024-01-01T00:00:00.000Z' };
    double.on(internalCollections.idempotency, 'insertOne', () => Promise.reject(serverError(11000)));
    double.on(internalCollections.idempotency, 'findOne', async () => {
      const { key, ...rest } = first;
      return { _id: key, ...rest, storedAt: new Date() };
    });

    const stored = await store.putIfAbsent({ ...first, requestHash: 'h2' });

    expect(stored).toEqual(first);
    expect(double.callsTo('insertOne', internalCollections.idempotency)[0]?.args[0]).toMatchObject({ _id: 'k', requestHash: 'h2', storedAt: expect.any(Date) });
  });

  it('the health check pings, and reports a failure instead of throwing', async () => {
    const double = new DriverDouble();
    const health = mongoHealthCheck(double.db, 50);

    expect(await health.check()).toEqual({ ok: true });
    expect(double.callsTo('command')[0]?.args).toEqual([{ ping: 1 }]);
    double.on('db', 'command', () => new Promise(() => undefined));
    expect(await health.check()).toEqual({ ok: false, detail: 'no answer to ping within 50 ms' });
    expect(health.name).toBe('mongodb');
  });
});
