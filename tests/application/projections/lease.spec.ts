import type { CheckpointStore, Position } from '../../../src/application/ports';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import { collections } from '../../../src/application/projections/read-models';
import { createTestApp, seedOrder, type TestApp } from '../../support/application-fixtures';
import { eventually } from '../../support/eventually';

const head = async (t: TestApp): Promise<Position> => (await t.memoryEventStore.headPosition()) as Position;

describe('one active runner per projection (lease)', () => {
  let t: TestApp;
  beforeEach(() => {
    t = createTestApp();
  });
  afterEach(() => t.dispose());

  it('of two runners on one checkpoint store, one runs and one stands by; stopping the first lets the second take over', async () => {
    const a = t.runner(orderListProjection, {}, { owner: 'process-a' });
    const b = t.runner(orderListProjection, {}, { owner: 'process-b' });
    a.start();
    await eventually(() => expect(a.status().state).toBe('live'));
    b.start();
    await eventually(() => expect(b.status().state).toBe('standby'));
    expect(await t.checkpoints.leaseOf('order-list')).toMatchObject({ owner: 'process-a' });

    const first = await seedOrder(t);
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(t.collection(collections.orderList).has(first.orderId)).toBe(true);
    expect(b.status()).toMatchObject({ state: 'standby', checkpoint: null });

    await a.stop();
    await eventually(() => expect(b.status().state).toBe('live'));
    expect(await t.checkpoints.leaseOf('order-list')).toMatchObject({ owner: 'process-b' });

    const second = await seedOrder(t);
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(t.collection(collections.orderList).has(second.orderId)).toBe(true);
    expect(b.status().checkpoint).toBe(await head(t));
  });

  it('a lease that expires (a stalled process) is taken over, and the old holder notices and stands by', async () => {
    let expireAfterNextRenewal = false;
    // Process A renews through this store; right after one renewal the clock jumps past the lease's expiry.
    const checkpointsOfA: CheckpointStore = {
      load: (p) => t.checkpoints.load(p),
      releaseLease: (p, o) => t.checkpoints.releaseLease(p, o),
      leaseOf: (p) => t.checkpoints.leaseOf(p),
      requestRebuild: (p) => t.checkpoints.requestRebuild(p),
      takeRebuildRequest: (p) => t.checkpoints.takeRebuildRequest(p),
      tryAcquireLease: async (p, owner, ttlMs) => {
        const held = await t.checkpoints.tryAcquireLease(p, owner, ttlMs);
        if (held && expireAfterNextRenewal) {
          expireAfterNextRenewal = false;
          t.clock.advance(ttlMs + 1);
        }
        return held;
      },
    };
    // A renews every 100 ms; B looks for a free lease every 2 ms.
    const a = t.runner(orderListProjection, { leaseTtlMs: 30_000, rebuildPollMs: 100 }, { owner: 'process-a', checkpoints: checkpointsOfA });
    const b = t.runner(orderListProjection, { standbyPollMs: 2 }, { owner: 'process-b' });
    a.start();
    await eventually(() => expect(a.status().state).toBe('live'));
    b.start();
    await eventually(() => expect(b.status().state).toBe('standby'));

    expireAfterNextRenewal = true;

    await eventually(() => expect(b.status().state).toBe('live'), { timeoutMs: 2_000, intervalMs: 5 });
    expect(await t.checkpoints.leaseOf('order-list')).toMatchObject({ owner: 'process-b' });
    await eventually(() => expect(a.status().state).toBe('standby'), { timeoutMs: 2_000, intervalMs: 5 });

    const { orderId } = await seedOrder(t);
    await t.app.progress.waitFor('order-list', await head(t), 2_000);
    expect(t.collection(collections.orderList).has(orderId)).toBe(true);
    expect(b.status().checkpoint).toBe(await head(t));
  });

  it('two applications over the same stores: the second process stands by until the first stops', async () => {
    const other = createTestApp({ sharedWith: t });
    try {
      t.start('process-a', ['order-list']);
      await eventually(async () => expect(await t.checkpoints.leaseOf('order-list')).toMatchObject({ owner: 'process-a' }));
      other.start('process-b', ['order-list']);
      await eventually(async () => expect((await other.app.operations.list()).find((p) => p.name === 'order-list')?.state).toBe('standby'));

      await t.stop();
      const { orderId } = await seedOrder(other);
      await other.app.progress.waitFor('order-list', await head(other), 2_000);
      expect(other.collection(collections.orderList).has(orderId)).toBe(true);
      expect(await t.checkpoints.leaseOf('order-list')).toMatchObject({ owner: 'process-b' });
    } finally {
      await other.dispose();
    }
  });

  it('a rebuild asked of a standby runner is handed to the lease holder, which performs it', async () => {
    const { orderId } = await seedOrder(t);
    const a = t.runner(orderListProjection, { rebuildPollMs: 20 }, { owner: 'process-a' });
    const b = t.runner(orderListProjection, { standbyPollMs: 5 }, { owner: 'process-b' });
    a.start();
    await eventually(() => expect(a.status().state).toBe('live'));
    b.start();
    await eventually(() => expect(b.status().state).toBe('standby'));

    await expect(b.rebuild()).rejects.toThrow(/runs in another process: the rebuild was handed to it/);

    // The holder takes the request from the store and rebuilds (its copy disappears once promoted).
    await eventually(() => expect(t.logger.entries).toContainEqual(expect.objectContaining({ message: 'projection rebuilt' })), { timeoutMs: 2_000, intervalMs: 5 });
    expect(t.documents.rebuildRequests.has('order-list')).toBe(false);
    await eventually(() => expect(a.status().state).toBe('live'), { timeoutMs: 2_000, intervalMs: 5 });
    expect(t.collection(collections.orderList).has(orderId)).toBe(true);
    expect(t.documents.collections.has('order_list__rebuild')).toBe(false);
  });
});
