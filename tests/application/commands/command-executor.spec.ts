import { randomUUID } from 'node:crypto';
import { MemoryEventStore } from '../../../src/adapters/memory/memory-event-store';
import { MemorySnapshotStore } from '../../../src/adapters/memory/memory-snapshot-store';
import { uuidIdGenerator, uuidV5 } from '../../../src/adapters/runtime/uuid-id-generator';
import { aggregates, type Aggregate } from '../../../src/application/commands/aggregates';
import { CommandExecutor, type CommandExecutorOptions } from '../../../src/application/commands/command-executor';
import type { CommandContext } from '../../../src/application/commands/command.types';
import { ConcurrencyError, StoreUnavailable, type Snapshot, type SnapshotStore } from '../../../src/application/ports';
import { orderDecider, OrderNotFound, type OrderCommand, type OrderEvent, type OrderState } from '../../../src/domain';
import { fastExecutorOptions, RecordingLogger, TestClock, testCodec, TEST_START } from '../../support/application-fixtures';
import {
  ORDER_ID,
  OTHER_PRODUCT_ID,
  addItem,
  createOrder,
  eur,
  itemAdded,
  submitOrder,
} from '../../support/domain-fixtures';
import { InstrumentedEventStore } from '../../support/instrumented-ports';
import { newEvent } from '../../support/new-events';

const STREAM = `order-${ORDER_ID}`;

const setup = (options: Partial<CommandExecutorOptions> = {}, snapshots: SnapshotStore = new MemorySnapshotStore()) => {
  const memory = new MemoryEventStore(testCodec());
  const store = new InstrumentedEventStore(memory);
  const clock = new TestClock();
  const logger = new RecordingLogger();
  const executor = new CommandExecutor(store, snapshots, uuidIdGenerator, clock, logger, { ...fastExecutorOptions, ...options });
  // evolve is spied on so tests can tell a fold from scratch from a snapshot load.
  const evolve = jest.fn(orderDecider.evolve);
  const order: Aggregate<OrderCommand, OrderEvent, OrderState> = { ...aggregates.order, decider: { ...orderDecider, evolve } };
  const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({ commandId: randomUUID(), correlationId: 'corr-1', actor: 'user:ada', ...overrides });
  const run = (command: OrderCommand, overrides: Partial<CommandContext> = {}) => executor.execute(order, ORDER_ID, command, context(overrides));
  return { memory, store, snapshots, clock, logger, executor, order, evolve, context, run };
};

/** A draft order with `lines` lines (one per product id): 1 + lines events, revisions 0..lines. */
const draftWithLines = async (run: ReturnType<typeof setup>['run'], lines: number) => {
  await run(createOrder());
  for (let i = 0; i < lines; i++) await run(addItem({ productId: `00000000-0000-4000-8000-00000000000${i + 1}`, quantity: 1, unitPrice: eur(100) }));
};

/** Lets a competing writer append to the stream just before the executor's next append(s). */
const competingWriter = (s: ReturnType<typeof setup>, times: number) => {
  let left = times;
  s.store.beforeAppend = async (call) => {
    if (left <= 0 || call.streamId !== STREAM) return;
    left--;
    await s.memory.append(STREAM, [newEvent(itemAdded({ productId: randomUUID(), quantity: 1 }))], 'any');
  };
};

describe('CommandExecutor', () => {
  it('refuses to be built without its dependencies', () => {
    const clock = new TestClock();
    expect(() => new CommandExecutor(undefined as never, new MemorySnapshotStore(), uuidIdGenerator, clock, new RecordingLogger())).toThrow(/eventStore/);
  });

  describe('load → fold → decide → append', () => {
    it('appends a new stream with no_stream expected, then at the revision it loaded', async () => {
      const s = setup();
      const created = await s.run(createOrder());
      const added = await s.run(addItem());

      expect(s.store.appends.map((call) => call.expected)).toEqual(['no_stream', 0]);
      expect(created).toEqual({ id: ORDER_ID, streamId: STREAM, revision: 0, position: '1', appended: 1 });
      expect(added).toEqual({ id: ORDER_ID, streamId: STREAM, revision: 1, position: '2', appended: 1 });
      expect((await s.memory.readStream(STREAM)).map((e) => e.type)).toEqual(['OrderCreated', 'OrderItemAdded']);
    });

    it('decides on the folded state and lets domain errors through without writing', async () => {
      const s = setup();
      await expect(s.run(submitOrder())).rejects.toBeInstanceOf(OrderNotFound);
      await s.run(createOrder());
      await s.run(addItem({ quantity: 3 }));
      await s.run(submitOrder());
      const [, , submitted] = await s.memory.readStream(STREAM);
      expect(submitted).toMatchObject({ type: 'OrderSubmitted', data: { total: eur(3 * 1250) } });
      expect(s.store.appends).toHaveLength(3);
    });

    it('stamps every event with correlation id, causation id, actor and the clock time', async () => {
      const s = setup();
      s.clock.advance(90_000);
      const commandId = randomUUID();
      await s.run(createOrder(), { commandId, correlationId: 'corr-42', actor: 'user:grace' });
      await s.run(addItem(), { commandId: randomUUID(), causationId: 'event-7', correlationId: 'corr-42', actor: 'user:grace' });

      const [created, added] = await s.memory.readStream(STREAM);
      const occurredAt = new Date(Date.parse(TEST_START) + 90_000).toISOString();
      expect(created?.metadata).toEqual({ correlationId: 'corr-42', causationId: commandId, actor: 'user:grace', occurredAt });
      expect(added?.metadata).toEqual({ correlationId: 'corr-42', causationId: 'event-7', actor: 'user:grace', occurredAt });
    });

    it('derives event ids from the command id, the stream and the index (UUIDv5)', async () => {
      const s = setup();
      const commandId = randomUUID();
      await s.run(createOrder(), { commandId });
      const [created] = await s.memory.readStream(STREAM);
      expect(created?.eventId).toBe(uuidV5(`${commandId}/${STREAM}/0`));
    });

    it('answers a command that changes nothing with the current revision and position, appending nothing', async () => {
      const s = setup({ snapshotEvery: 2 });
      const customerId = randomUUID();
      const run = (command: { type: 'RegisterCustomer'; email: string; name: string } | { type: 'RenameCustomer'; name: string }) =>
        s.executor.execute(aggregates.customer, customerId, { ...command, customerId }, s.context());
      await run({ type: 'RegisterCustomer', name: 'Ada', email: 'ada@example.com' });
      const renamed = await run({ type: 'RenameCustomer', name: 'Ada B' }); // revision 1: a snapshot covers the whole stream
      expect((await s.snapshots.load(`customer-${customerId}`))?.revision).toBe(1);
      const appends = s.store.appends.length;

      const same = await run({ type: 'RenameCustomer', name: 'Ada B' });

      expect(s.store.appends).toHaveLength(appends);
      expect(same).toEqual({ ...renamed, appended: 0 });
      expect(same.position).toBe('2');
    });
  });

  describe('snapshots', () => {
    it('saves a snapshot when the stream crosses a multiple of snapshotEvery, and only then', async () => {
      const s = setup({ snapshotEvery: 3 });
      const revisionsSnapshotted: (number | null)[] = [];
      await s.run(createOrder());
      revisionsSnapshotted.push((await s.snapshots.load(STREAM))?.revision ?? null);
      for (let i = 0; i < 5; i++) {
        await s.run(addItem({ productId: randomUUID(), quantity: 1 }));
        revisionsSnapshotted.push((await s.snapshots.load(STREAM))?.revision ?? null);
      }
      // Revisions 0..5: crossing 3 events at revision 2, 6 events at revision 5.
      expect(revisionsSnapshotted).toEqual([null, null, 2, 2, 2, 5]);
      const snapshot = (await s.snapshots.load(STREAM)) as Snapshot;
      const folded = (await s.memory.readStream(STREAM)).reduce((state, e) => orderDecider.evolve(state, e as unknown as OrderEvent), orderDecider.initialState);
      expect(snapshot).toEqual({ streamId: STREAM, revision: 5, stateVersion: orderDecider.stateVersion, state: folded });
    });

    it('loads the snapshot plus the events after it, folding only those', async () => {
      const s = setup({ snapshotEvery: 3 });
      await draftWithLines(s.run, 6); // revisions 0..6, snapshot at 5
      s.evolve.mockClear();
      s.store.streamReads.length = 0;

      const loaded = await s.executor.load(s.order, ORDER_ID);

      // Read from 3: the snapshotEvery events the snapshot covers are looked at for retries, not folded.
      expect(s.store.streamReads).toEqual([{ streamId: STREAM, options: { fromRevision: 3 } }]);
      expect(s.evolve).toHaveBeenCalledTimes(1);
      expect(loaded.revision).toBe(6);
      expect(loaded.events.map((e) => e.revision)).toEqual([6]);
      expect(loaded.state).toMatchObject({ status: 'draft', items: [{}, {}, {}, {}, {}, {}] });
    });

    it('decides on snapshot state: the submitted total includes the lines folded into the snapshot', async () => {
      const s = setup({ snapshotEvery: 2 });
      await draftWithLines(s.run, 3);
      await s.run(submitOrder());
      expect((await s.memory.readStream(STREAM)).at(-1)).toMatchObject({ type: 'OrderSubmitted', data: { total: eur(300) } });
    });

    it('ignores a snapshot of another state version and folds from the first event', async () => {
      const s = setup({ snapshotEvery: 100 });
      await draftWithLines(s.run, 2);
      // An old-shaped snapshot claiming the order is empty at revision 2.
      await s.snapshots.save({ streamId: STREAM, revision: 2, stateVersion: orderDecider.stateVersion - 1, state: { status: 'none' } });
      s.evolve.mockClear();
      s.store.streamReads.length = 0;

      const loaded = await s.executor.load(s.order, ORDER_ID);

      expect(s.store.streamReads).toEqual([{ streamId: STREAM, options: { fromRevision: 0 } }]);
      expect(s.evolve).toHaveBeenCalledTimes(3);
      expect(loaded.state).toMatchObject({ status: 'draft', items: [{}, {}] });
    });

    it('uses a snapshot of the current state version as it is (the version is what decides)', async () => {
      const s = setup({ snapshotEvery: 100 });
      await draftWithLines(s.run, 2);
      await s.snapshots.save({ streamId: STREAM, revision: 2, stateVersion: orderDecider.stateVersion, state: { status: 'none' } });
      expect((await s.executor.load(s.order, ORDER_ID)).state).toEqual({ status: 'none' });
    });

    it('never reads or writes snapshots when snapshotEvery is 0', async () => {
      const snapshots = { load: jest.fn(async () => null), save: jest.fn(async () => undefined) };
      const s = setup({ snapshotEvery: 0 }, snapshots);
      await draftWithLines(s.run, 3);
      expect(snapshots.load).not.toHaveBeenCalled();
      expect(snapshots.save).not.toHaveBeenCalled();
    });

    it('does not fail a command whose snapshot cannot be saved', async () => {
      const snapshots = { load: async () => null, save: jest.fn(async () => Promise.reject(new Error('disk full'))) };
      const s = setup({ snapshotEvery: 1 }, snapshots);
      await expect(s.run(createOrder())).resolves.toMatchObject({ appended: 1 });
      expect(snapshots.save).toHaveBeenCalledTimes(1);
      expect(s.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'snapshot not saved' }));
    });
  });

  describe('concurrency', () => {
    it('without an expected revision, reloads and decides again after a conflict', async () => {
      const s = setup();
      await s.run(createOrder());
      competingWriter(s, 1);

      const result = await s.run(addItem({ productId: OTHER_PRODUCT_ID }));

      const toStream = s.store.appendsTo(STREAM);
      expect(toStream.map((call) => call.expected)).toEqual(['no_stream', 0, 1]);
      expect(result).toMatchObject({ revision: 2, appended: 1 });
      const events = await s.memory.readStream(STREAM);
      expect(events.map((e) => e.type)).toEqual(['OrderCreated', 'OrderItemAdded', 'OrderItemAdded']);
      expect(events[2]).toMatchObject({ data: { productId: OTHER_PRODUCT_ID } });
      expect(s.logger.entries).toContainEqual(
        expect.objectContaining({ level: 'debug', message: 'concurrency conflict, retrying', fields: expect.objectContaining({ attempt: 1, correlationId: 'corr-1' }) }),
      );
    });

    it('retries a bounded number of times with jittered exponential backoff, then gives up with ConcurrencyError', async () => {
      const s = setup({ maxAttempts: 4, retryBaseMs: 10 });
      await s.run(createOrder());
      competingWriter(s, Number.POSITIVE_INFINITY);
      const randoms = [0, 0.5, 1];
      jest.spyOn(Math, 'random').mockImplementation(() => randoms.shift() ?? 0.5);
      const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
      try {
        await expect(s.run(addItem())).rejects.toBeInstanceOf(ConcurrencyError);
        const delays = setTimeoutSpy.mock.calls.map(([, ms]) => ms);
        // backoffDelay: base · 2^(attempt-1) · (0.5 + random/2): 10·1·0.5, 10·2·0.75, 10·4·1.0
        expect(delays).toEqual([5, 15, 40]);
      } finally {
        jest.restoreAllMocks();
      }
      expect(s.store.appendsTo(STREAM).slice(1)).toHaveLength(4);
    });

    it('with an expected revision the stream has moved past, throws ConcurrencyError and writes nothing', async () => {
      const s = setup();
      await s.run(createOrder());
      await s.run(addItem());
      const appends = s.store.appends.length;

      const error = await s.run(addItem({ productId: OTHER_PRODUCT_ID }), { expectedRevision: 0 }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: STREAM, expectedRevision: 0, actualRevision: 1 });
      expect(s.store.appends).toHaveLength(appends);
    });

    it('with an expected revision, a conflict at append time is not retried', async () => {
      const s = setup();
      await s.run(createOrder());
      competingWriter(s, 1);

      await expect(s.run(addItem(), { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);

      expect(s.store.appendsTo(STREAM).map((call) => call.expected)).toEqual(['no_stream', 0]);
      expect(await s.memory.readStream(STREAM)).toHaveLength(2); // the competing event only
    });

    it('with the expected revision the stream is at, appends', async () => {
      const s = setup();
      await s.run(createOrder());
      await expect(s.run(addItem(), { expectedRevision: 0 })).resolves.toMatchObject({ revision: 1, appended: 1 });
    });
  });

  describe('idempotent retries (derived event ids)', () => {
    it('the same command id again appends nothing and answers as the first run did', async () => {
      const s = setup();
      await s.run(createOrder());
      const commandId = randomUUID();
      const first = await s.run(addItem(), { commandId });
      await s.run(addItem({ productId: OTHER_PRODUCT_ID })); // the stream moves on
      const appends = s.store.appends.length;

      const again = await s.run(addItem(), { commandId });

      expect(again).toEqual({ ...first, appended: 0 });
      expect(s.store.appends).toHaveLength(appends);
      expect(await s.memory.readStream(STREAM)).toHaveLength(3);
    });

    it('different command ids with the same payload append new events', async () => {
      const s = setup();
      await s.run(createOrder());
      await s.run(addItem({ quantity: 1 }));
      await s.run(addItem({ quantity: 1 }));
      const events = await s.memory.readStream(STREAM);
      expect(events).toHaveLength(3);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
    });

    it('a retried command appends nothing even when a snapshot covers its events', async () => {
      const s = setup({ snapshotEvery: 2 });
      await s.run(createOrder());
      const commandId = randomUUID();
      const first = await s.run(addItem(), { commandId }); // revision 1: the snapshot is taken here
      expect((await s.snapshots.load(STREAM))?.revision).toBe(1);

      const again = await s.run(addItem(), { commandId });

      expect(again).toEqual({ ...first, appended: 0 });
      expect(await s.memory.readStream(STREAM)).toHaveLength(2);
    });

    it('a command whose acknowledgement was lost is answered from its stored events when retried', async () => {
      const s = setup();
      await s.run(createOrder());
      const commandId = randomUUID();
      // The append reaches the log, but the answer never reaches the writer.
      s.store.beforeAppend = async (call) => {
        s.store.beforeAppend = null;
        await s.memory.append(call.streamId, call.events, call.expected);
        throw new StoreUnavailable('event store', 'timed out');
      };
      await expect(s.run(addItem(), { commandId })).rejects.toBeInstanceOf(StoreUnavailable);

      const retried = await s.run(addItem(), { commandId });

      expect(retried).toEqual({ id: ORDER_ID, streamId: STREAM, revision: 1, position: '2', appended: 0 });
      expect(await s.memory.readStream(STREAM)).toHaveLength(2);
    });
  });
});
