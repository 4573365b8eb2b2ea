import { EventCodec } from '../../../src/adapters/codec';
import { EventLog } from '../../../src/adapters/memory/event-log';
import { MemoryEventStore } from '../../../src/adapters/memory/memory-event-store';
import { DEFAULT_BUFFER_SIZE, MemoryPersistentSubscriptions } from '../../../src/adapters/memory/memory-persistent-subscriptions';
import { NotFound, type PersistentDelivery, type PersistentGroupSettings, type PersistentSubscription } from '../../../src/application/ports';
import { storedEventFixture } from '../../fixtures/events/stored-events.fixture';
import { eventually, within } from '../../support/eventually';
import { orderEvents, orderStream, testMetadata } from '../../support/new-events';
import { persistentSubscriptionsContract } from '../persistent-subscriptions.contract';

const codec = new EventCodec();

persistentSubscriptionsContract('memory', async () => {
  const store = new MemoryEventStore(codec);
  const persistent = new MemoryPersistentSubscriptions(store);
  return {
    store,
    persistent,
    dispose: async () => {
      await persistent.close();
      await store.close();
    },
  };
});

const settings = (overrides: Partial<PersistentGroupSettings> = {}): PersistentGroupSettings => ({
  streamPrefixes: [],
  maxRetryCount: 3,
  messageTimeoutMs: 60_000,
  consumerStrategy: 'round-robin',
  ...overrides,
});

const next = async (subscription: PersistentSubscription): Promise<PersistentDelivery> => {
  const result = await within(subscription[Symbol.asyncIterator]().next(), 2_000, 'a delivery');
  if (result.done) throw new Error('the consumer ended');
  return result.value;
};

describe('MemoryPersistentSubscriptions, beyond the contract', () => {
  let store: MemoryEventStore;
  let persistent: MemoryPersistentSubscriptions;
  beforeEach(() => {
    store = new MemoryEventStore(codec);
    persistent = new MemoryPersistentSubscriptions(store);
  });
  afterEach(async () => {
    await persistent.close();
    await store.close();
  });

  it("'pinned' sends every event of a stream to the same consumer while it is connected", async () => {
    await persistent.ensureGroup('pinned', settings({ consumerStrategy: 'pinned' }));
    const consumers = [persistent.subscribe('pinned'), persistent.subscribe('pinned')];
    const streams = Array.from({ length: 6 }, () => orderStream());
    for (let round = 0; round < 3; round++) {
      for (const { streamId, orderId } of streams) await store.append(streamId, orderEvents(orderId, 1, round), round === 0 ? 'no_stream' : round - 1);
    }

    const consumerOf = new Map<string, Set<number>>();
    let delivered = 0;
    const running = Promise.all(
      consumers.map(async (consumer, index) => {
        for (;;) {
          const result = await consumer[Symbol.asyncIterator]().next();
          if (result.done) return;
          delivered++;
          const streamId = result.value.event.streamId;
          consumerOf.set(streamId, (consumerOf.get(streamId) ?? new Set()).add(index));
          await consumer.ack(result.value);
          if (delivered === 18) await Promise.all(consumers.map((each) => each.close()));
        }
      }),
    );
    await within(running, 2_000, 'all 18 pinned deliveries');

    expect(delivered).toBe(18);
    expect([...consumerOf.values()].map((indexes) => indexes.size)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(new Set([...consumerOf.values()].flatMap((indexes) => [...indexes])).size).toBe(2);
  });

  it('round-robin alternates between consumers with room, each holding at most bufferSize unacked events', async () => {
    await persistent.ensureGroup('rr', settings());
    const a = persistent.subscribe('rr', { bufferSize: 2 });
    const b = persistent.subscribe('rr', { bufferSize: 2 });
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 6), 'no_stream');

    const revisions = async (consumer: PersistentSubscription, count: number): Promise<number[]> => {
      const got: number[] = [];
      for (let i = 0; i < count; i++) got.push((await next(consumer)).event.revision);
      return got;
    };
    expect(await revisions(a, 2)).toEqual([0, 2]);
    expect(await revisions(b, 2)).toEqual([1, 3]);
    // Both are full until one acks: a pending next() gets nothing.
    const pending = a[Symbol.asyncIterator]().next();
    await expect(within(pending, 100, 'a delivery beyond bufferSize')).rejects.toThrow('did not happen');
  });

  it(`uses a bufferSize of ${DEFAULT_BUFFER_SIZE} by default`, async () => {
    await persistent.ensureGroup('default-buffer', settings());
    const consumer = persistent.subscribe('default-buffer');
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, DEFAULT_BUFFER_SIZE + 1), 'no_stream');

    for (let i = 0; i < DEFAULT_BUFFER_SIZE; i++) await next(consumer);
    await expect(within(consumer[Symbol.asyncIterator]().next(), 100, 'an 11th unacked delivery')).rejects.toThrow('did not happen');
  });

  it('records why a message was parked: the nack reason, max retries, or the message timeout', async () => {
    await persistent.ensureGroup('reasons', settings({ maxRetryCount: 0, messageTimeoutMs: 100 }));
    const consumer = persistent.subscribe('reasons');
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 3), 'no_stream');

    await consumer.nack(await next(consumer), 'park', 'poison');
    await consumer.nack(await next(consumer), 'retry', 'db down');
    await next(consumer); // never acked: times out on its last (only) try

    await eventually(async () => expect((await persistent.listParked('reasons', { maxCount: 10 })).map((parked) => [parked.revision, parked.reason])).toEqual([
      [0, 'poison'],
      [1, 'max retries: db down'],
      [2, 'message timeout'],
    ]));
  });

  it('returns a closed consumer’s events with retryCount 1 and never parks them for it (as EventStoreDB does)', async () => {
    await persistent.ensureGroup('lost', settings({ maxRetryCount: 0 }));
    const leaving = persistent.subscribe('lost');
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 2), 'no_stream');
    await next(leaving);
    await next(leaving);

    await leaving.close();
    const staying = persistent.subscribe('lost');

    expect([await next(staying), await next(staying)].map((delivery) => [delivery.event.revision, delivery.retryCount])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(await persistent.listParked('lost', { maxCount: 10 })).toEqual([]);
  });

  it('ignores an ack or nack of a delivery it no longer holds (already settled, or timed out and redelivered)', async () => {
    await persistent.ensureGroup('late', settings({ messageTimeoutMs: 100 }));
    const consumer = persistent.subscribe('late');
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 1), 'no_stream');

    const first = await next(consumer);
    const redelivered = await next(consumer);
    await consumer.nack(first, 'park', 'too late');
    await consumer.ack(redelivered);
    await consumer.nack(redelivered, 'park', 'after the ack');

    expect(redelivered.retryCount).toBe(1);
    expect(await persistent.listParked('late', { maxCount: 10 })).toEqual([]);
  });

  it('delivers stored v1 events upcast, and undecodable events as such (they can be parked)', async () => {
    const fixture = storedEventFixture('OrderItemAdded.v1.json');
    store.importStored(fixture.stored.slice(0, 2));
    const [broken] = store.importStored([
      { eventId: '0d5c1a2e-8f3b-4c7d-9e1a-2b3c4d5e6f70', type: 'OrderTeleported', streamId: 'order-x', data: {}, metadata: { ...testMetadata(), schemaVersion: 1 } },
    ]);
    await persistent.ensureGroup('old', settings());
    const consumer = persistent.subscribe('old');

    const deliveries = [await next(consumer), await next(consumer), await next(consumer)];

    expect(deliveries[1]).toMatchObject({ kind: 'event', event: { storedSchemaVersion: 1, data: fixture.expected[1]?.data } });
    expect(deliveries[2]).toMatchObject({ kind: 'undecodable', retryCount: 0, event: { eventId: broken?.eventId, type: 'OrderTeleported' } });
    await consumer.nack(deliveries[2] as PersistentDelivery, 'park', 'cannot decode');
    expect((await persistent.listParked('old', { maxCount: 10 })).map((parked) => parked.eventId)).toEqual([broken?.eventId]);
  });

  it('works over a shared log object too, and names unknown groups with NotFound', async () => {
    const log = new EventLog();
    const writer = new MemoryEventStore(codec, { log });
    const groups = new MemoryPersistentSubscriptions({ log, codec });
    try {
      await groups.ensureGroup('shared', settings());
      const consumer = groups.subscribe('shared');
      const { streamId, orderId } = orderStream();
      await writer.append(streamId, orderEvents(orderId, 1), 'no_stream');
      expect((await next(consumer)).event.streamId).toBe(streamId);

      expect(() => groups.subscribe('nope')).toThrow(NotFound);
      await expect(groups.listParked('nope', { maxCount: 1 })).rejects.toBeInstanceOf(NotFound);
      await expect(groups.replayParked('nope')).rejects.toBeInstanceOf(NotFound);
    } finally {
      await groups.close();
    }
  });

  it('rejects settings it cannot honour', async () => {
    await expect(persistent.ensureGroup('bad', settings({ maxRetryCount: -1 }))).rejects.toBeInstanceOf(RangeError);
    await expect(persistent.ensureGroup('bad', settings({ messageTimeoutMs: 0 }))).rejects.toBeInstanceOf(RangeError);
    await persistent.ensureGroup('good', settings());
    expect(() => persistent.subscribe('good', { bufferSize: 0 })).toThrow(RangeError);
  });

  it('close() ends every consumer and clears its timers, which never keep the process alive', async () => {
    const timeoutMs = 54_321;
    await persistent.ensureGroup('closing', settings({ messageTimeoutMs: timeoutMs }));
    const consumer = persistent.subscribe('closing');
    const { streamId, orderId } = orderStream();
    const spy = jest.spyOn(global, 'setTimeout');
    let timers: NodeJS.Timeout[];
    try {
      await store.append(streamId, orderEvents(orderId, 2), 'no_stream');
      timers = spy.mock.calls.flatMap((call, i) => (call[1] === timeoutMs ? [spy.mock.results[i]?.value as NodeJS.Timeout] : []));
    } finally {
      spy.mockRestore();
    }
    await next(consumer);
    const pending = consumer[Symbol.asyncIterator]().next();

    expect(timers).toHaveLength(2); // one message timeout per in-flight message
    expect(timers.map((timer) => timer.hasRef())).toEqual([false, false]);
    await persistent.close();

    expect(await within(pending, 1_000, 'the end after close()')).toMatchObject({ done: true });
    // Node marks a cleared timer destroyed.
    expect(timers.map((timer) => (timer as unknown as { _destroyed: boolean })._destroyed)).toEqual([true, true]);
    expect(() => persistent.subscribe('closing')).toThrow(NotFound);
  });
});
