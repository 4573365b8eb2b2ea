import { randomUUID } from 'node:crypto';
import { StoreUnavailable, type Position, type RecordedEvent } from '../../../src/application/ports';
import { customerViewProjection } from '../../../src/application/projections/customer-view.projection';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import type { AnyProjection } from '../../../src/application/projections/projection';
import { collections } from '../../../src/application/projections/read-models';
import { PROJECTED_STREAM_PREFIXES } from '../../../src/application/streams';
import { createTestApp, seedOrder, uuid, type TestApp } from '../../support/application-fixtures';
import { eventually, within } from '../../support/eventually';
import { failingAfter, gate, InstrumentedEventStore, InstrumentedReadModelStore } from '../../support/instrumented-ports';
import { foldProjection, normalized } from '../../support/projection-fold';

const allProjected = (t: TestApp): Promise<RecordedEvent[]> => t.memoryEventStore.readAll({ maxCount: 100_000, streamPrefixes: PROJECTED_STREAM_PREFIXES });

const head = async (t: TestApp): Promise<Position> => (await t.memoryEventStore.headPosition()) as Position;

/** The projection's collections must hold exactly what folding the whole log gives. */
const expectFolded = async (t: TestApp, projection: AnyProjection) => {
  const expected = foldProjection(projection, await allProjected(t));
  for (const [collection, docs] of expected) expect(normalized(t.collection(collection))).toEqual(normalized(docs));
};

/** A paid order: customer, product, order, item, submitted, paid. */
const paidOrder = async (t: TestApp) => {
  const seeded = await seedOrder(t);
  await t.send('SubmitOrder', { orderId: seeded.orderId });
  await t.send('ConfirmPayment', { orderId: seeded.orderId, amount: { amount: 2500, currency: 'EUR' } });
  return seeded;
};

describe('CatchUpProjectionRunner', () => {
  let t: TestApp;
  let events: InstrumentedEventStore;
  let store: InstrumentedReadModelStore;
  beforeEach(() => {
    t = createTestApp({
      wrapEventStore: (memory) => (events = new InstrumentedEventStore(memory)),
      wrapReadModels: (memory) => (store = new InstrumentedReadModelStore(memory)),
    });
  });
  afterEach(() => t.dispose());

  it('applies the log in global order, in batches of at most batchSize, committing each with its checkpoint', async () => {
    for (let i = 0; i < 4; i++) await paidOrder(t);
    const seen: Position[] = [];
    const seenIds = new Set<string>();
    const recording: AnyProjection = {
      ...customerViewProjection,
      documentId: (event) => {
        if (!seenIds.has(event.eventId)) {
          seenIds.add(event.eventId);
          seen.push(event.position);
        }
        return customerViewProjection.documentId(event);
      },
    };
    const runner = t.runner(recording, { batchSize: 3 });

    runner.start();
    await t.app.progress.waitFor('customer-view', await head(t), 2_000);

    const projected = await allProjected(t);
    expect(seen).toEqual(projected.map((e) => e.position));
    const batches = t.metrics.batches.filter((b) => b.projection === 'customer-view');
    expect(batches.every((b) => b.events >= 1 && b.events <= 3)).toBe(true);
    expect(batches.reduce((sum, b) => sum + b.events, 0)).toBe(projected.length);
    const commits = store.commits.filter((c) => c.checkpoint?.projection === 'customer-view');
    for (const commit of commits) {
      for (const write of commit.writes) expect(BigInt(write.position)).toBeLessThanOrEqual(BigInt(commit.checkpoint!.position));
    }
    expect(commits.every((c) => c.checkpoint !== null)).toBe(true);
    const checkpoints = commits.map((c) => BigInt(c.checkpoint!.position));
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(runner.status()).toMatchObject({ name: 'customer-view', mode: 'catch-up', state: 'live', checkpoint: await head(t), lastError: null });
    await expectFolded(t, customerViewProjection);
  });

  it('goes on with live events after catching up', async () => {
    const runner = t.runner(orderListProjection);
    runner.start();
    const { orderId } = await seedOrder(t);
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    await t.send('SubmitOrder', { orderId });
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'submitted', itemCount: 2 });
  });

  it('resumes from its stored checkpoint after a restart, reading only what is new', async () => {
    await paidOrder(t);
    const runner = t.runner(orderListProjection);
    runner.start();
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    await runner.stop();
    const checkpoint = await t.checkpoints.load('order-list');
    expect(checkpoint).toBe(await head(t));
    const deliveredBefore = events.deliveredEvents;

    const { orderId } = await seedOrder(t);
    const newEvents = (await allProjected(t)).filter((e) => BigInt(e.position) > BigInt(checkpoint as string));
    runner.start();
    await t.app.progress.waitFor('order-list', await head(t), 2_000);

    expect(events.subscriptions.at(-1)?.from).toBe(checkpoint);
    expect(events.deliveredEvents - deliveredBefore).toBe(newEvents.length);
    expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ itemCount: 2 });
    await expectFolded(t, orderListProjection);
  });

  it('stop() finishes the batch in hand, saves its checkpoint and gives the lease up', async () => {
    await seedOrder(t);
    const commitMayGo = gate();
    const commitStarted = gate();
    store.beforeCommit = async (call) => {
      if (call.checkpoint?.projection !== 'order-list') return;
      commitStarted.open();
      await commitMayGo.promise;
    };
    const runner = t.runner(orderListProjection, { batchSize: 100 }, { owner: 'worker-1' });
    runner.start();
    await commitStarted.promise;
    expect(await t.checkpoints.leaseOf('order-list')).toMatchObject({ owner: 'worker-1' });

    const stopped = runner.stop();
    commitMayGo.open();
    await stopped;

    expect(await t.checkpoints.load('order-list')).toBe(await head(t));
    expect(t.collection(collections.orderList).size).toBe(1);
    expect(await t.checkpoints.leaseOf('order-list')).toBeNull();
    expect(runner.status().state).toBe('stopped');
  });

  it('stop() right after start() returns, and a restarted runner carries on', async () => {
    await seedOrder(t);
    const runner = t.runner(orderListProjection);
    runner.start();
    await within(runner.stop(), 1_000, 'stop');
    runner.start();
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    await within(runner.stop(), 1_000, 'stop');
    expect(runner.status().state).toBe('stopped');
  });

  it('skips events at or below each document’s position: a replay from an older checkpoint changes nothing', async () => {
    await paidOrder(t);
    const { customerId, productId } = await paidOrder(t);
    await t.send('RenameCustomer', { customerId, name: 'Ada King' });
    await t.send('RenameProduct', { productId, name: 'Widget Pro' });
    t.start();
    await t.waitForHead();
    await t.stop();
    const before = new Map([...t.documents.collections].map(([name, docs]) => [name, structuredClone([...docs])]));
    const deliveredBefore = events.deliveredEvents;

    // Force every catch-up projection back to the first event, as if its checkpoint had been lost.
    for (const name of ['order-list', 'order-details', 'customer-view', 'daily-sales', 'order-search']) {
      await t.readModels.commit([], { projection: name, position: '1' });
    }
    t.start();
    await t.waitForHead();

    expect(events.deliveredEvents - deliveredBefore).toBeGreaterThanOrEqual(5 * ((await allProjected(t)).length - 1));
    const after = new Map([...t.documents.collections].map(([name, docs]) => [name, structuredClone([...docs])]));
    expect(after).toEqual(before);
  });

  describe('a failing event', () => {
    /** order-list, failing on one event while `broken.failing` is true. */
    const failingOn = (eventId: () => string | null, broken = { failing: true }) => {
      const calls: string[] = [];
      const projection: AnyProjection = {
        ...orderListProjection,
        evolve: (doc, event, reference) => {
          if (event.eventId === eventId()) {
            calls.push(event.eventId);
            if (broken.failing) throw new Error('boom');
          }
          return orderListProjection.evolve(doc, event, reference);
        },
      };
      return { projection, calls, broken };
    };

    it('is retried with backoff, then parked with its error while the runner applies later events', async () => {
      const { orderId } = await seedOrder(t);
      await t.send('SubmitOrder', { orderId });
      const submitted = (await t.memoryEventStore.readStream(`order-${orderId}`)).at(-1) as RecordedEvent;
      await t.send('ConfirmPayment', { orderId, amount: { amount: 2500, currency: 'EUR' } });
      const { projection, calls } = failingOn(() => submitted.eventId);
      const runner = t.runner(projection, { batchSize: 10, maxAttempts: 3 });

      runner.start();
      await t.app.progress.waitFor('order-list', await head(t), 2_000);

      // Three attempts at the batch, then three at the event alone.
      expect(calls).toHaveLength(6);
      const retries = t.logger.entries.filter((e) => e.message === 'projection commit failed, retrying').map((e) => e.fields['attempt']);
      expect(retries).toEqual([1, 2, 1, 2]);
      expect(await t.parked.list({ limit: 10 })).toEqual([
        {
          id: `order-list:${submitted.eventId}`,
          projection: 'order-list',
          eventId: submitted.eventId,
          streamId: `order-${orderId}`,
          revision: submitted.revision,
          position: submitted.position,
          type: 'OrderSubmitted',
          error: 'boom',
          attempts: 3,
          parkedAt: t.clock.now().toISOString(),
        },
      ]);
      expect(t.metrics.parked).toEqual(['order-list']);
      expect(t.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'event parked' }));
      // The events around it are applied: the order exists with its item and the later payment.
      expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'paid', itemCount: 2 });
      expect(await t.checkpoints.load('order-list')).toBe(await head(t));
    });

    it('a commit the store refuses (unavailable) is retried until it succeeds, never parked', async () => {
      await seedOrder(t);
      let refusals = 7;
      store.beforeCommit = (call) => {
        if (call.checkpoint?.projection === 'order-list' && refusals-- > 0) throw new StoreUnavailable('read models', 'down');
      };
      const runner = t.runner(orderListProjection, { maxAttempts: 2 });
      runner.start();
      await t.app.progress.waitFor('order-list', await head(t), 2_000);
      expect(refusals).toBeLessThan(0);
      expect(await t.parked.count()).toBe(0);
      await expectFolded(t, orderListProjection);
    });
  });

  it('parks an event it cannot decode (with the codec error) and goes on', async () => {
    const brokenOrder = uuid();
    const [broken] = t.memoryEventStore.importStored([
      {
        streamId: `order-${brokenOrder}`,
        eventId: randomUUID(),
        type: 'OrderCreated',
        data: { orderId: 'not-a-uuid', customerId: brokenOrder, currency: 'EUR' },
        metadata: { correlationId: 'c', causationId: 'c', actor: 'import', occurredAt: '2024-05-01T10:00:00.000Z', schemaVersion: 1 },
      },
    ]);
    const [unknown] = t.memoryEventStore.importStored([
      {
        streamId: `order-${uuid()}`,
        eventId: randomUUID(),
        type: 'OrderTeleported',
        data: {},
        metadata: { correlationId: 'c', causationId: 'c', actor: 'import', occurredAt: '2024-05-01T10:00:00.000Z', schemaVersion: 1 },
      },
    ]);
    const { orderId } = await seedOrder(t);
    const runner = t.runner(orderListProjection);

    runner.start();
    await t.app.progress.waitFor('order-list', await head(t), 2_000);

    const parked = (await t.parked.list({ projection: 'order-list', limit: 10 })).sort((a, b) => Number(a.position) - Number(b.position));
    expect(parked.map((p) => [p.eventId, p.type, p.position, p.attempts])).toEqual([
      [broken?.eventId, 'OrderCreated', broken?.position, 1],
      [unknown?.eventId, 'OrderTeleported', unknown?.position, 1],
    ]);
    expect(parked[0]?.error).toMatch(/orderId|uuid|invalid/i);
    expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ itemCount: 2 });
    expect(t.metrics.parked).toEqual(['order-list', 'order-list']);
  });

  it('resubscribes from its checkpoint when the subscription fails', async () => {
    await paidOrder(t);
    await paidOrder(t);
    let checkpointAtResubscribe: string | undefined;
    events.wrapSubscription = (subscription) => {
      if (events.subscriptions.length === 1) return failingAfter(subscription, 7);
      checkpointAtResubscribe ??= t.documents.checkpoints.get('customer-view');
      return subscription;
    };
    const runner = t.runner(customerViewProjection, { batchSize: 2 });

    runner.start();
    await t.app.progress.waitFor('customer-view', await head(t), 2_000);

    expect(events.subscriptions.length).toBeGreaterThanOrEqual(2);
    expect(checkpointAtResubscribe).toBeDefined();
    expect(events.subscriptions[1]?.from).toBe(checkpointAtResubscribe);
    expect(t.logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'projection runner failed, resubscribing from checkpoint', fields: expect.objectContaining({ attempt: 1 }) }),
    );
    // Recovered: the error that caused the resubscribe is no longer the runner's state.
    await eventually(() => expect(runner.status()).toMatchObject({ state: 'live', lastError: null }));
    // Nothing was applied twice (order counts, lifetime values) and nothing was lost.
    await expectFolded(t, customerViewProjection);
  });

  it('backs off further while failures come in a row, and starts again from the first step after progress', async () => {
    await paidOrder(t);
    // Three subscriptions fail before delivering anything; the fourth works.
    events.wrapSubscription = (subscription) => (events.subscriptions.length <= 3 ? failingAfter(subscription, 0) : subscription);
    const runner = t.runner(customerViewProjection);

    runner.start();
    await t.app.progress.waitFor('customer-view', await head(t), 2_000);

    const attempts = t.logger.entries
      .filter((e) => e.message === 'projection runner failed, resubscribing from checkpoint')
      .map((e) => e.fields['attempt']);
    expect(attempts).toEqual([1, 2, 3]);
    await eventually(() => expect(runner.status()).toMatchObject({ state: 'live', lastError: null }));
  });

  it('resubscribes when the subscription stays silent longer than the idle watchdog allows', async () => {
    const runner = t.runner(orderListProjection, { idleTimeoutMs: 25 });
    runner.start();
    await eventually(() => expect(events.subscriptions.length).toBeGreaterThanOrEqual(3), { timeoutMs: 2_000, intervalMs: 5 });
    expect(t.logger.entries).toContainEqual(expect.objectContaining({ level: 'debug', message: 'subscription idle, resubscribing' }));

    const { orderId } = await seedOrder(t);
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(t.collection(collections.orderList).has(orderId)).toBe(true);
  });
});
