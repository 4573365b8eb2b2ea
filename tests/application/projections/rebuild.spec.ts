import type { Position, RecordedEvent } from '../../../src/application/ports';
import { orderDetailsProjection } from '../../../src/application/projections/order-details.projection';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import type { AnyProjection } from '../../../src/application/projections/projection';
import { collections } from '../../../src/application/projections/read-models';
import { PROJECTED_STREAM_PREFIXES } from '../../../src/application/streams';
import { createTestApp, seedOrder, type TestApp } from '../../support/application-fixtures';
import { eventually } from '../../support/eventually';
import { gate, heldUntil, InstrumentedEventStore } from '../../support/instrumented-ports';
import { foldProjection, normalized } from '../../support/projection-fold';

const head = async (t: TestApp): Promise<Position> => (await t.memoryEventStore.headPosition()) as Position;

const expectFolded = async (t: TestApp, projection: AnyProjection) => {
  const log = await t.memoryEventStore.readAll({ maxCount: 100_000, streamPrefixes: PROJECTED_STREAM_PREFIXES });
  for (const [collection, docs] of foldProjection(projection, log)) expect(normalized(t.collection(collection))).toEqual(normalized(docs));
};

/** Overwrites a live document behind the projection's back, as a bug or a manual edit would. */
const corrupt = (t: TestApp, collection: string, id: string) => {
  const docs = t.documents.collections.get(collection);
  const entry = docs?.get(id);
  if (!docs || !entry) throw new Error(`no ${collection}/${id} to corrupt`);
  docs.set(id, { ...entry, data: { ...entry.data, status: 'corrupted', customerName: 'Nobody' } });
};

describe('rebuilding a projection', () => {
  let t: TestApp;
  let events: InstrumentedEventStore;
  beforeEach(() => {
    t = createTestApp({ wrapEventStore: (memory) => (events = new InstrumentedEventStore(memory)) });
  });
  afterEach(() => t.dispose());

  /** Two orders of one customer, a customer rename and a product rename: the fan-outs must reach the rebuilt copies too. */
  const history = async () => {
    const first = await seedOrder(t);
    const second = await seedOrder(t, { customerId: first.customerId, productId: first.productId });
    await t.send('RenameCustomer', { customerId: first.customerId, name: 'Ada King' });
    await t.send('RenameProduct', { productId: first.productId, name: 'Widget Pro' });
    return { ...first, secondOrderId: second.orderId };
  };

  it('rebuilds into fresh copies from position 0 while the old documents serve queries, then swaps them in', async () => {
    const { orderId, secondOrderId } = await history();
    t.start('worker', ['order-list']);
    await t.waitForHead();
    corrupt(t, collections.orderList, orderId);
    const rebuildMayRead = gate();
    events.wrapSubscription = (subscription, options) => (options.from === null ? heldUntil(subscription, rebuildMayRead.promise) : subscription);

    expect(await t.app.operations.rebuild('order-list')).toEqual({ status: 'started' });

    await eventually(async () => expect((await t.app.operations.list()).find((p) => p.name === 'order-list')?.state).toBe('rebuilding'));
    expect(events.subscriptions.at(-1)?.from).toBeNull();
    expect(t.documents.collections.has('order_list__rebuild')).toBe(true);
    expect(t.documents.collections.has('order_list_customers__rebuild')).toBe(true);
    // Meanwhile queries read the old documents.
    const during = await t.app.queries.execute('ListOrders', {});
    expect(during.items.find((o) => o.orderId === orderId)).toMatchObject({ status: 'corrupted' });
    // A command during the rebuild: the rebuilt copy catches up with it before the swap, or right after.
    await t.send('SubmitOrder', { orderId: secondOrderId });

    rebuildMayRead.open();

    await eventually(() => expect(t.documents.collections.has('order_list__rebuild')).toBe(false));
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'draft', customerName: 'Ada King' });
    expect(t.collection(collections.orderList).get(secondOrderId)).toMatchObject({ status: 'submitted', customerName: 'Ada King' });
    expect(t.documents.collections.has('order_list_customers__rebuild')).toBe(false);
    expect(t.documents.checkpoints.has('order-list__rebuild')).toBe(false);
    await expectFolded(t, orderListProjection);
    await eventually(async () => expect((await t.app.operations.list()).find((p) => p.name === 'order-list')?.state).toBe('live'));
  });

  it('rebuild() resolves once the copies are swapped in; the renames reach every rebuilt document', async () => {
    const { orderId } = await history();
    const runner = t.runner(orderDetailsProjection);
    runner.start();
    await t.app.progress.waitFor('order-details', await head(t), 2_000);
    corrupt(t, collections.orderDetails, orderId);

    await runner.rebuild();

    expect(t.collection(collections.orderDetails).get(orderId)).toMatchObject({
      status: 'draft',
      customerName: 'Ada King',
      items: [expect.objectContaining({ productName: 'Widget Pro' })],
    });
    await expectFolded(t, orderDetailsProjection);
  });

  it('picks up a rebuild another process requested through the checkpoint store', async () => {
    const { orderId } = await history();
    t.start('worker', ['order-list']);
    await t.waitForHead();
    corrupt(t, collections.orderList, orderId);
    const api = createTestApp({ sharedWith: t });
    try {
      expect(await api.app.operations.rebuild('order-list')).toEqual({ status: 'requested' });
      await eventually(() => expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'draft' }));
      expect(t.documents.rebuildRequests.has('order-list')).toBe(false);
      await expectFolded(t, orderListProjection);
    } finally {
      await api.dispose();
    }
  });

  it('an interrupted rebuild leaves the live documents and checkpoint as they were', async () => {
    const { orderId } = await history();
    const runner = t.runner(orderListProjection);
    runner.start();
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    corrupt(t, collections.orderList, orderId);
    const checkpoint = await t.checkpoints.load('order-list');
    events.wrapSubscription = (subscription, options) => (options.from === null ? heldUntil(subscription, new Promise(() => undefined)) : subscription);

    const rebuilt = runner.rebuild();
    await eventually(() => expect(runner.status().state).toBe('rebuilding'));
    await runner.stop();

    await expect(rebuilt).rejects.toThrow(/interrupted/);
    expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'corrupted' });
    expect(await t.checkpoints.load('order-list')).toBe(checkpoint);
  });

  it('forgets the parked events of the projection and parks again only what still fails', async () => {
    const { orderId } = await seedOrder(t);
    await t.send('SubmitOrder', { orderId });
    const submitted = (await t.memoryEventStore.readStream(`order-${orderId}`)).at(-1) as RecordedEvent;
    const broken = { failing: true };
    const projection: AnyProjection = {
      ...orderListProjection,
      evolve: (doc, event, reference) => {
        if (broken.failing && event.eventId === submitted.eventId) throw new Error('boom');
        return orderListProjection.evolve(doc, event, reference);
      },
    };
    const runner = t.runner(projection, { maxAttempts: 1 });
    runner.start();
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(await t.parked.count('order-list')).toBe(1);

    broken.failing = false;
    await runner.rebuild();

    expect(await t.parked.count('order-list')).toBe(0);
    expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'submitted' });
  });

  it('rebuilding from an empty log empties the read model', async () => {
    const runner = t.runner(orderListProjection);
    runner.start();
    await eventually(() => expect(runner.status().state).toBe('live'));
    await t.readModels.commit([{ kind: 'put', collection: collections.orderList, id: 'stray', data: { orderId: 'stray' }, position: '1' }], null);

    await runner.rebuild();

    expect(t.collection(collections.orderList).size).toBe(0);
  });
});
