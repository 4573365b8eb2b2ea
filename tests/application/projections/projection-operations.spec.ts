import { randomUUID } from 'node:crypto';
import { NotFound, ValidationFailed, type Position, type RecordedEvent } from '../../../src/application/ports';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import type { AnyProjection } from '../../../src/application/projections/projection';
import { collections } from '../../../src/application/projections/read-models';
import { createTestApp, seedOrder, uuid, type TestApp } from '../../support/application-fixtures';
import { eventually } from '../../support/eventually';

const head = async (t: TestApp): Promise<Position> => (await t.memoryEventStore.headPosition()) as Position;

const importBroken = (t: TestApp, streamId: string, type: string) =>
  t.memoryEventStore.importStored([
    {
      streamId,
      eventId: randomUUID(),
      type,
      data: { broken: true },
      metadata: { correlationId: 'c', causationId: 'c', actor: 'import', occurredAt: '2024-05-01T10:00:00.000Z', schemaVersion: 1 },
    },
  ])[0] as { eventId: string; position: string };

describe('ProjectionOperations', () => {
  let t: TestApp;
  beforeEach(() => {
    t = createTestApp();
  });
  afterEach(() => t.dispose());

  describe('list', () => {
    it('shows every projection with its checkpoint, the head, the lag, the state and the parked count', async () => {
      await seedOrder(t);
      const broken = importBroken(t, `order-${uuid()}`, 'OrderCreated');
      const { productId } = await seedOrder(t);
      t.start('worker-1');
      await t.waitForHead();
      expect((await t.memoryEventStore.readStream(`product-${productId}`)).length).toBeGreaterThan(0);

      const list = await t.app.operations.list();

      const headPosition = await head(t);
      expect(list.map((p) => p.name)).toEqual(['order-list', 'order-details', 'customer-view', 'product-catalog', 'daily-sales', 'order-search']);
      for (const name of ['order-list', 'order-details', 'customer-view', 'daily-sales', 'order-search']) {
        expect(list.find((p) => p.name === name)).toEqual({
          name,
          mode: 'catch-up',
          checkpoint: headPosition,
          head: headPosition,
          lag: 0,
          state: 'live',
          lastError: null,
          parked: 1,
        });
      }
      // The persistent group sees every service event: others only move its checkpoint, the broken one is parked there too.
      expect(list.find((p) => p.name === 'product-catalog')).toMatchObject({
        mode: 'persistent',
        checkpoint: headPosition,
        head: headPosition,
        lag: 0,
        state: 'live',
        parked: 1,
      });
      expect(broken.position).toBeDefined();
    });

    it('reports the lag of a projection that is behind', async () => {
      await seedOrder(t);
      await t.readModels.commit([], { projection: 'order-list', position: '2' });
      const info = (await t.app.operations.list()).find((p) => p.name === 'order-list');
      expect(info).toMatchObject({ checkpoint: '2', lag: Number(await head(t)) - 2, state: 'not running here' });
    });

    it('from another process: where the lease says the projection runs, or that it runs nowhere here', async () => {
      t.start('worker-1', ['order-list']);
      await eventually(async () => expect(await t.checkpoints.leaseOf('order-list')).not.toBeNull());
      const api = createTestApp({ sharedWith: t });
      try {
        const list = await api.app.operations.list();
        expect(list.find((p) => p.name === 'order-list')?.state).toBe('running in worker-1');
        expect(list.find((p) => p.name === 'order-details')?.state).toBe('not running here');
        // No worker ever created the product catalog's group: nothing is parked there yet.
        expect(list.find((p) => p.name === 'product-catalog')).toMatchObject({ state: 'not running here', parked: 0 });
      } finally {
        await api.dispose();
      }
    });
  });

  describe('rebuild', () => {
    it('starts here when this process runs the projection, and asks the lease holder otherwise', async () => {
      t.start('worker-1', ['order-list']);
      expect(await t.app.operations.rebuild('order-list')).toEqual({ status: 'started' });
      expect(await t.app.operations.rebuild('order-details')).toEqual({ status: 'requested' });
      expect(t.documents.rebuildRequests.has('order-details')).toBe(true);
    });

    it('refuses persistent projections and unknown names', async () => {
      await expect(t.app.operations.rebuild('product-catalog')).rejects.toBeInstanceOf(ValidationFailed);
      await expect(t.app.operations.rebuild('nope')).rejects.toBeInstanceOf(NotFound);
    });

    it('rebuilds the product catalog like any other when the store has no subscription groups', async () => {
      const plain = createTestApp({ persistent: false });
      try {
        plain.start('worker', ['product-catalog']);
        expect(await plain.app.operations.rebuild('product-catalog')).toEqual({ status: 'started' });
        expect((await plain.app.operations.list()).find((p) => p.name === 'product-catalog')?.mode).toBe('catch-up');
      } finally {
        await plain.dispose();
      }
    });
  });

  describe('parked events', () => {
    /** Runs order-list with a projection that fails on one event, so that event gets parked. */
    const parkOne = async (pick: (orderId: string) => Promise<void>) => {
      const { orderId } = await seedOrder(t);
      await pick(orderId);
      const target = (await t.memoryEventStore.readStream(`order-${orderId}`)).find((e) => e.type === 'OrderSubmitted') as RecordedEvent;
      const failing: AnyProjection = {
        ...orderListProjection,
        evolve: (doc, event, reference) => {
          if (event.eventId === target.eventId) throw new Error('boom');
          return orderListProjection.evolve(doc, event, reference);
        },
      };
      const runner = t.runner(failing, { maxAttempts: 1 });
      runner.start();
      await t.app.progress.waitFor('order-list', await head(t), 2_000);
      await runner.stop();
      return { orderId, target, id: `order-list:${target.eventId}` };
    };

    it('lists catch-up and persistent parked events together', async () => {
      const { target, id } = await parkOne((orderId) => t.send('SubmitOrder', { orderId }).then(() => undefined));
      const brokenProduct = importBroken(t, `product-${uuid()}`, 'ProductAdded');
      t.start('worker', ['product-catalog']);
      await eventually(async () => expect(await t.app.operations.listParked()).toHaveLength(2));

      const parked = await t.app.operations.listParked();

      expect(parked).toEqual([
        expect.objectContaining({ id, projection: 'order-list', mode: 'catch-up', eventId: target.eventId, type: 'OrderSubmitted', error: 'boom', parkedAt: expect.any(String) }),
        expect.objectContaining({
          id: `persistent:order-service-product-catalog:${brokenProduct.eventId}`,
          projection: 'product-catalog',
          mode: 'persistent',
          eventId: brokenProduct.eventId,
          type: 'ProductAdded',
          parkedAt: null,
        }),
      ]);
      expect(await t.app.operations.listParked(1)).toHaveLength(1);
      expect((await t.app.operations.list()).find((p) => p.name === 'product-catalog')?.parked).toBe(1);
    });

    it('replay applies a parked event the documents have not moved past, and unparks it', async () => {
      const { orderId, id } = await parkOne((o) => t.send('SubmitOrder', { orderId: o }).then(() => undefined));
      expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'draft' });

      expect(await t.app.operations.replayParked(id)).toEqual({ outcome: 'applied' });

      expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'submitted' });
      expect(await t.parked.get(id)).toBeNull();
    });

    it('replay reports a parked event the documents moved past as superseded, and keeps it parked', async () => {
      const { orderId, id } = await parkOne(async (o) => {
        await t.send('SubmitOrder', { orderId: o });
        await t.send('CancelOrder', { orderId: o, reason: 'Too slow' });
      });
      expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'cancelled' });

      expect(await t.app.operations.replayParked(id)).toEqual({ outcome: 'superseded' });

      expect(t.collection(collections.orderList).get(orderId)).toMatchObject({ status: 'cancelled' });
      expect(await t.parked.get(id)).not.toBeNull();
    });

    it('replay of an event that still cannot be applied fails with the error, and keeps it parked', async () => {
      const broken = importBroken(t, `order-${uuid()}`, 'OrderCreated');
      t.start('worker', ['order-list']);
      await t.waitForHead();
      const id = `order-list:${broken.eventId}`;
      expect(await t.parked.get(id)).not.toBeNull();

      const outcome = await t.app.operations.replayParked(id);

      expect(outcome).toEqual({ outcome: 'failed', error: expect.stringMatching(/\S/) });
      expect(await t.parked.get(id)).not.toBeNull();
    });

    it('replay of a persistent parked event sends the whole group back to its consumers', async () => {
      importBroken(t, `product-${uuid()}`, 'ProductAdded');
      t.start('worker', ['product-catalog']);
      await eventually(async () => expect(await t.app.operations.listParked()).toHaveLength(1));
      const [item] = await t.app.operations.listParked();

      expect(await t.app.operations.replayParked(item!.id)).toEqual({ outcome: 'replayed-group', group: 'order-service-product-catalog' });
      // Still undecodable: it is delivered again and parked again.
      await eventually(async () => expect(await t.app.operations.listParked()).toHaveLength(1));
    });

    it('replay of an unknown id is NotFound', async () => {
      await expect(t.app.operations.replayParked('order-list:nope')).rejects.toBeInstanceOf(NotFound);
      await expect(t.app.operations.replayParked('persistent:unknown-group:x')).rejects.toBeInstanceOf(NotFound);
    });
  });
});
