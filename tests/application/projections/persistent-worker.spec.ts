import { randomUUID } from 'node:crypto';
import type { PersistentDelivery, PersistentSubscriptions, RecordedEvent } from '../../../src/application/ports';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import { PersistentProjectionWorker, type PersistentWorkerOptions } from '../../../src/application/projections/persistent-worker';
import { productCatalogProjection } from '../../../src/application/projections/product-catalog.projection';
import type { AnyProjection } from '../../../src/application/projections/projection';
import { collections } from '../../../src/application/projections/read-models';
import { createTestApp, uuid, type TestApp } from '../../support/application-fixtures';
import { eventually, within } from '../../support/eventually';
import { InstrumentedReadModelStore } from '../../support/instrumented-ports';
import { foldProjection, normalized } from '../../support/projection-fold';

const GROUP = 'test-product-catalog';

const label = (delivery: PersistentDelivery) => `${delivery.event.streamId}@${delivery.event.revision}`;

/** The groups, recording every ack and nack into `log`. */
const recordingGroups = (inner: PersistentSubscriptions, log: string[]): PersistentSubscriptions => ({
  ensureGroup: (group, settings) => inner.ensureGroup(group, settings),
  listParked: (group, options) => inner.listParked(group, options),
  replayParked: (group) => inner.replayParked(group),
  subscribe: (group, options) => {
    const subscription = inner.subscribe(group, options);
    return {
      [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
      ack: async (delivery) => {
        log.push(`ack ${label(delivery)}`);
        await subscription.ack(delivery);
      },
      nack: async (delivery, action, reason) => {
        log.push(`nack ${action} ${label(delivery)} ${reason}`);
        await subscription.nack(delivery, action, reason);
      },
      close: () => subscription.close(),
    };
  },
});

describe('PersistentProjectionWorker', () => {
  let t: TestApp;
  let store: InstrumentedReadModelStore;
  let log: string[];
  const workers: PersistentProjectionWorker[] = [];
  beforeEach(() => {
    log = [];
    t = createTestApp({ wrapReadModels: (memory) => (store = new InstrumentedReadModelStore(memory)) });
    store.beforeCommit = (call) => {
      for (const write of call.writes) if (write.kind === 'put') log.push(`commit product-${write.id}@${write.revision}`);
    };
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await t.dispose();
  });

  const worker = (projection: AnyProjection = productCatalogProjection, options: Partial<PersistentWorkerOptions> = {}, group = GROUP) => {
    const created = new PersistentProjectionWorker(
      projection,
      {
        persistent: recordingGroups(t.persistent!, log),
        readModels: store,
        checkpoints: t.checkpoints,
        progress: t.app.progress,
        clock: t.clock,
        logger: t.logger,
        metrics: t.metrics,
      },
      {
        group,
        settings: { streamPrefixes: ['product-'], maxRetryCount: 2, messageTimeoutMs: 30_000, consumerStrategy: 'pinned' },
        bufferSize: 32,
        retryBaseMs: 1,
        retryCapMs: 4,
        ...options,
      },
    );
    workers.push(created);
    return created;
  };

  /** A product with a rename and a price change: revisions 0, 1, 2. */
  const product = async (productId = uuid()) => {
    await t.send('AddProduct', { productId, sku: `SKU-${productId.slice(0, 6)}`, name: 'Widget', price: { amount: 100, currency: 'EUR' } });
    await t.send('RenameProduct', { productId, name: 'Widget Pro' });
    await t.send('ChangeProductPrice', { productId, price: { amount: 150, currency: 'EUR' } });
    return productId;
  };

  const productEvents = () => t.memoryEventStore.readAll({ maxCount: 10_000, streamPrefixes: ['product-'] });
  const lastProductPosition = async () => (await productEvents()).at(-1)?.position as string;

  const expectFolded = async () => {
    const expected = foldProjection(productCatalogProjection, await productEvents());
    expect(normalized(t.collection(collections.productCatalog))).toEqual(normalized(expected.get(collections.productCatalog)!));
  };

  /** A product-catalog projection that throws for the event at `revision` of `productId`'s stream while `broken.failing`. */
  const failingAt = (productId: string, revision: number, broken = { failing: true, times: Number.POSITIVE_INFINITY }) => {
    const projection: AnyProjection = {
      ...productCatalogProjection,
      evolve: (doc, event: RecordedEvent, reference) => {
        if (broken.failing && broken.times > 0 && event.streamId === `product-${productId}` && event.revision === revision) {
          broken.times--;
          throw new Error('boom');
        }
        return productCatalogProjection.evolve(doc, event, reference);
      },
    };
    return { projection, broken };
  };

  it('refuses projections that need global order: catch-up ones, references, fan-outs', () => {
    expect(() => worker(orderListProjection)).toThrow(/not a persistent projection/);
    expect(() => worker({ ...orderListProjection, mode: 'persistent' })).toThrow(/references or fan-out/);
  });

  it('applies each event, then acks it; the checkpoint is the highest position applied', async () => {
    const a = await product();
    const b = await product();
    const w = worker();
    w.start();
    await t.app.progress.waitFor('product-catalog', await lastProductPosition(), 2_000);

    await expectFolded();
    for (const id of [a, b]) {
      for (const revision of [0, 1, 2]) {
        const committed = log.indexOf(`commit product-${id}@${revision}`);
        expect(committed).toBeGreaterThanOrEqual(0);
        expect(log.indexOf(`ack product-${id}@${revision}`)).toBeGreaterThan(committed);
      }
    }
    expect((await t.readModels.get(collections.productCatalog, a))?.revision).toBe(2);
    expect(w.status()).toMatchObject({ name: 'product-catalog', mode: 'persistent', state: 'live', checkpoint: await lastProductPosition(), lastError: null });
    expect(t.metrics.batches.filter((m) => m.projection === 'product-catalog')).toHaveLength(6);
  });

  it('acks an event it has already applied without writing (a redelivery)', async () => {
    await product();
    const first = worker();
    first.start();
    await t.app.progress.waitFor('product-catalog', await lastProductPosition(), 2_000);
    await first.stop();
    const commits = store.commits.length;
    log.length = 0;

    const second = worker(productCatalogProjection, {}, `${GROUP}-again`); // a new group delivers everything again
    second.start();
    await eventually(() => expect(log.filter((line) => line.startsWith('ack'))).toHaveLength(3));

    expect(store.commits).toHaveLength(commits);
    expect(log.every((line) => line.startsWith('ack'))).toBe(true);
  });

  it('an event that arrives before its predecessor was applied is nacked for retry, and applied in turn', async () => {
    const id = await product();
    const { projection } = failingAt(id, 1, { failing: true, times: 1 });
    const w = worker(projection);
    w.start();

    await eventually(() => expect(t.collection(collections.productCatalog).get(id)).toMatchObject({ name: 'Widget Pro', price: { amount: 150 } }));

    expect(log).toContain(`nack retry product-${id}@1 boom`);
    expect(log).toContain(`nack retry product-${id}@2 waiting for revision 1 of product-${id}`);
    expect(await t.persistent!.listParked(GROUP, { maxCount: 10 })).toEqual([]);
    expect(t.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'event failed, nacked for retry' }));
  });

  it('an event that keeps failing is nacked until the group parks it; a replay applies it once fixed', async () => {
    const id = await product();
    const other = await product();
    const { projection, broken } = failingAt(id, 1);
    const w = worker(projection);
    w.start();

    await eventually(async () => expect(await t.persistent!.listParked(GROUP, { maxCount: 10 })).toHaveLength(2));
    const parked = await t.persistent!.listParked(GROUP, { maxCount: 10 });
    expect(parked.map((p) => [p.streamId, p.revision, p.reason])).toEqual([
      [`product-${id}`, 1, 'max retries: boom'],
      [`product-${id}`, 2, `max retries: waiting for revision 1 of product-${id}`],
    ]);
    // Delivered once and retried maxRetryCount (2) times.
    expect(log.filter((line) => line.startsWith(`nack retry product-${id}@1 `))).toHaveLength(3);
    // Other streams are not held up.
    expect(t.collection(collections.productCatalog).get(other)).toMatchObject({ name: 'Widget Pro', price: { amount: 150 } });
    expect(t.collection(collections.productCatalog).get(id)).toMatchObject({ name: 'Widget', price: { amount: 100 } });
    expect(w.status().lastError).toBe('boom');

    broken.failing = false;
    await t.persistent!.replayParked(GROUP);

    await eventually(() => expect(t.collection(collections.productCatalog).get(id)).toMatchObject({ name: 'Widget Pro', price: { amount: 150 } }));
    expect(await t.persistent!.listParked(GROUP, { maxCount: 10 })).toEqual([]);
    await expectFolded();
  });

  it('parks an event it cannot decode at once, with the codec error', async () => {
    const id = uuid();
    const [broken] = t.memoryEventStore.importStored([
      {
        streamId: `product-${id}`,
        eventId: randomUUID(),
        type: 'ProductAdded',
        data: { productId: id, sku: '', name: 'x', price: { amount: -1, currency: 'EUR' } },
        metadata: { correlationId: 'c', causationId: 'c', actor: 'import', occurredAt: '2024-05-01T10:00:00.000Z', schemaVersion: 1 },
      },
    ]);
    const fine = await product();
    const w = worker();
    w.start();

    await eventually(async () => expect(await t.persistent!.listParked(GROUP, { maxCount: 10 })).toHaveLength(1));
    const [parked] = await t.persistent!.listParked(GROUP, { maxCount: 10 });
    expect(parked).toMatchObject({ eventId: broken?.eventId, streamId: `product-${id}`, type: 'ProductAdded' });
    expect(parked?.reason).toMatch(/invalid|sku|amount/i);
    expect(log.filter((line) => line.startsWith(`nack park product-${id}@0`))).toHaveLength(1);
    await eventually(() => expect(t.collection(collections.productCatalog).get(fine)).toMatchObject({ name: 'Widget Pro' }));
  });

  it('after a restart goes on with new events, applying nothing twice', async () => {
    const id = await product();
    const w = worker();
    w.start();
    await t.app.progress.waitFor('product-catalog', await lastProductPosition(), 2_000);
    await w.stop();
    expect(w.status().state).toBe('stopped');
    log.length = 0;

    await t.send('RenameProduct', { productId: id, name: 'Widget Max' });
    w.start();
    await t.app.progress.waitFor('product-catalog', await lastProductPosition(), 2_000);

    expect(log.filter((line) => line.startsWith('commit'))).toEqual([`commit product-${id}@3`]);
    expect(t.collection(collections.productCatalog).get(id)).toMatchObject({ name: 'Widget Max' });
  });

  it('stop() right after start() returns, even while the worker is still connecting to an idle group', async () => {
    await product();
    const w = worker();
    w.start();
    await t.app.progress.waitFor('product-catalog', await lastProductPosition(), 2_000);
    await within(w.stop(), 1_000, 'stop');
    // Everything is acked: the group has nothing to deliver when the worker connects again.
    w.start();
    await within(w.stop(), 1_000, 'stop');
    expect(w.status().state).toBe('stopped');
  });

  it('is what the application runs the product catalog on when the store has subscription groups', async () => {
    t.start('worker', ['product-catalog']);
    const id = await product();
    await t.waitForHead();
    expect(await t.app.queries.execute('GetProduct', { productId: id })).toMatchObject({ name: 'Widget Pro' });
    expect(await t.persistent!.listParked('order-service-product-catalog', { maxCount: 1 })).toEqual([]);
    expect((await t.app.operations.list()).find((p) => p.name === 'product-catalog')).toMatchObject({ mode: 'persistent', state: 'live' });
  });
});
