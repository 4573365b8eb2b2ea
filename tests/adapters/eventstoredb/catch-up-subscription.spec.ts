import { randomUUID } from 'node:crypto';
import { AccessDeniedError, EVENT_TYPE, START, STREAM_NAME, UnavailableError, type Filter } from '@eventstore/db-client';
import { CHECKPOINT_INTERVAL, toEsdbPosition, toPosition } from '../../../src/adapters/eventstoredb';
import { StoreUnavailable, type Subscription, type SubscriptionMessage } from '../../../src/application/ports';
import { storedEventFixture } from '../../fixtures/events/stored-events.fixture';
import { eventually, within } from '../../support/eventually';
import { orderEvent, orderEvents, orderStream } from '../../support/new-events';
import { rawGrpcError, type FakeRecord, type SubscriptionFeed } from './fake-eventstoredb';
import { harness, type Harness } from './support';

const PREFIXES = ['order-', 'customer-', 'product-'];

/** One iterator per subscription, each message within a time limit. */
const reader = (subscription: Subscription) => {
  const iterator = subscription[Symbol.asyncIterator]();
  return {
    iterator,
    next: async (): Promise<SubscriptionMessage> => {
      const result = await within(iterator.next(), 2_000, 'a subscription message');
      if (result.done) throw new Error('the subscription ended');
      return result.value;
    },
    take: async (count: number): Promise<SubscriptionMessage[]> => {
      const messages: SubscriptionMessage[] = [];
      while (messages.length < count) {
        const result = await within(iterator.next(), 2_000, `message ${messages.length + 1} of ${count}`);
        if (result.done) throw new Error('the subscription ended');
        messages.push(result.value);
      }
      return messages;
    },
  };
};

/** Messages as comparable tags: "event:<id>", "checkpoint:<position>", "caught-up". */
const tags = (messages: readonly SubscriptionMessage[]): string[] =>
  messages.map((message) => {
    switch (message.kind) {
      case 'event':
      case 'undecodable':
        return `${message.kind}:${message.event.eventId}`;
      case 'checkpoint':
        return `checkpoint:${message.position}`;
      case 'caught-up':
        return 'caught-up';
    }
  });

describe('EventStoreDB catch-up subscription over a client double', () => {
  let h: Harness;
  const open: Subscription[] = [];
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
    await h.close();
  });

  const subscribe = (from: string | null, streamPrefixes: readonly string[] = PREFIXES): Subscription => {
    const subscription = h.eventStore.subscribeToAll({ from, streamPrefixes });
    open.push(subscription);
    return subscription;
  };

  /** Appends `count` events to a fresh order stream through the adapter; returns what the double stored. */
  const appendOrder = async (count: number): Promise<FakeRecord[]> => {
    const { streamId, orderId } = orderStream();
    await h.eventStore.append(streamId, orderEvents(orderId, count), 'no_stream');
    return h.fake.streams.get(streamId) as FakeRecord[];
  };

  /** Lets the test script what the server sends, instead of the default history-then-live feed. */
  const script = (): Promise<SubscriptionFeed> =>
    new Promise((resolve) => {
      h.fake.onSubscribe = (feed) => resolve(feed);
    });

  it('subscribes to $all from the start or strictly after a position, with a server-side prefix filter that reports checkpoints', async () => {
    const [first] = await appendOrder(1);
    subscribe(null);
    subscribe(toPosition((first as FakeRecord).position), ['order-']);

    const [fromStart, fromPosition] = h.fake.feeds.map((feed) => feed.options);
    expect(fromStart).toMatchObject({ fromPosition: START, resolveLinkTos: false });
    expect(fromStart?.filter).toMatchObject({ filterOn: STREAM_NAME, prefixes: PREFIXES, checkpointInterval: CHECKPOINT_INTERVAL });
    expect(typeof fromStart?.filter?.checkpointReached).toBe('function');
    expect(fromPosition?.fromPosition).toEqual(first?.position);
  });

  it('without prefixes, filters out system event types (excludeSystemEvents), still with checkpoints', () => {
    subscribe(null, []);

    const filter = h.fake.feeds[0]?.options.filter as Filter & { regex: string };
    expect(filter).toMatchObject({ filterOn: EVENT_TYPE, regex: '^[^$].*', checkpointInterval: CHECKPOINT_INTERVAL });
    expect(typeof filter.checkpointReached).toBe('function');
  });

  it('delivers history, a checkpoint and caught-up, then live events, decoded', async () => {
    const history = await appendOrder(2);
    const messages = reader(subscribe(null));

    const first = await messages.take(4);
    const live = await appendOrder(1);
    const [next] = await messages.take(1);

    expect(tags(first)).toEqual([
      `event:${history[0]?.id}`,
      `event:${history[1]?.id}`,
      `checkpoint:${toPosition((history[1] as FakeRecord).position)}`,
      'caught-up',
    ]);
    expect(first[0]).toMatchObject({ kind: 'event', event: { type: 'OrderCreated', revision: 0, position: toPosition((history[0] as FakeRecord).position) } });
    expect(next).toMatchObject({ kind: 'event', event: { eventId: live[0]?.id } });
  });

  it('yields a checkpoint only after every event the client received before it, even when they were still buffered', async () => {
    const scripted = script();
    const records = await appendOrder(4);
    const subscription = subscribe(null);
    const feed = await scripted;
    const [e1, e2, e3, e4] = records as [FakeRecord, FakeRecord, FakeRecord, FakeRecord];

    feed.event(e1);
    feed.event(e2);
    feed.event(e3);
    feed.checkpoint(e3.position);
    feed.event(e4);
    feed.caughtUp();
    // Nothing has been read yet: checkpointReached and caughtUp ran while e1..e3 sat unread in the client's buffer.
    await eventually(() => expect(feed.subscription.readableLength).toBe(6));

    const messages = await reader(subscription).take(6);

    expect(tags(messages)).toEqual([`event:${e1.id}`, `event:${e2.id}`, `event:${e3.id}`, `checkpoint:${toPosition(e3.position)}`, `event:${e4.id}`, 'caught-up']);
  });

  it('keeps the order through backpressure: more events than the client buffers, then a checkpoint', async () => {
    const scripted = script();
    const records = await appendOrder(40);
    const subscription = subscribe(null);
    const feed = await scripted;

    for (const record of records) feed.event(record);
    feed.checkpoint((records.at(-1) as FakeRecord).position);
    feed.caughtUp();
    const messages = await reader(subscription).take(42);

    expect(tags(messages)).toEqual([...records.map((record) => `event:${record.id}`), `checkpoint:${toPosition((records.at(-1) as FakeRecord).position)}`, 'caught-up']);
  });

  it('checkpoints between events split the stream correctly (no event at or before a checkpoint after it)', async () => {
    const scripted = script();
    const records = await appendOrder(6);
    const subscription = subscribe(null);
    const feed = await scripted;

    records.forEach((record, i) => {
      feed.event(record);
      if (i % 2 === 1) feed.checkpoint(record.position);
    });
    const messages = await reader(subscription).take(9);

    messages.forEach((message, index) => {
      if (message.kind !== 'checkpoint') return;
      const before = messages.slice(0, index).filter((m) => m.kind === 'event');
      const after = messages.slice(index + 1).filter((m) => m.kind === 'event');
      const checkpoint = toEsdbPosition(message.position).commit;
      expect(before.every((m) => m.kind === 'event' && toEsdbPosition(m.event.position).commit <= checkpoint)).toBe(true);
      expect(after.every((m) => m.kind === 'event' && toEsdbPosition(m.event.position).commit > checkpoint)).toBe(true);
    });
  });

  it('drops the (2^64-1, 2^64-1) "end of log" checkpoint older servers send on going live (KDB-710)', async () => {
    const scripted = script();
    const [created] = (await appendOrder(1)) as [FakeRecord];
    const subscription = subscribe(null);
    const feed = await scripted;
    const end = (1n << 64n) - 1n;

    feed.checkpoint({ commit: end, prepare: end });
    feed.caughtUp();
    feed.event(created);
    feed.checkpoint(created.position);
    const messages = await reader(subscription).take(3);

    expect(tags(messages)).toEqual(['caught-up', `event:${created.id}`, `checkpoint:${toPosition(created.position)}`]);
  });

  it('delivers an event the codec cannot decode as undecodable, and skips system events', async () => {
    const scripted = script();
    const subscription = subscribe(null, []);
    const feed = await scripted;
    const broken = h.fake.store('order-x', { id: randomUUID(), type: 'OrderTeleported', data: {}, metadata: {}, isJson: true });
    const link = h.fake.store('$ce-order', { id: randomUUID(), type: '$>', data: new Uint8Array(), metadata: undefined, isJson: false });
    const stats = h.fake.store('$stats-127.0.0.1:2113', { id: randomUUID(), type: 'StatsCollected', data: {}, metadata: {}, isJson: true });

    for (const record of [link, stats, broken]) feed.event(record);
    feed.caughtUp();
    const messages = await reader(subscription).take(2);

    expect(messages[0]).toMatchObject({ kind: 'undecodable', event: { eventId: broken.id, type: 'OrderTeleported', streamId: 'order-x' } });
    expect(messages[1]).toEqual({ kind: 'caught-up' });
  });

  it('upcasts stored v1 events, reading the stream origin through the client', async () => {
    const fixture = storedEventFixture('OrderItemAdded.v1.json');
    for (const event of fixture.stored.slice(0, 2)) {
      h.fake.store(event.streamId, { id: event.eventId, type: event.type, data: event.data, metadata: event.metadata, isJson: true });
    }
    const messages = await reader(subscribe(null)).take(2);

    expect(messages[1]).toMatchObject({ kind: 'event', event: { storedSchemaVersion: 1, data: fixture.expected[1]?.data } });
  });

  it.each([
    ['UnavailableError', new UnavailableError(undefined, '14 UNAVAILABLE: connection dropped'), StoreUnavailable],
    ['a raw code-14 error', rawGrpcError(14, 'UNAVAILABLE: read ECONNRESET'), StoreUnavailable],
    ['AccessDeniedError', new AccessDeniedError(undefined, 'access denied'), AccessDeniedError],
  ])('a subscription error (%s) ends the iteration with an error from next()', async (_, error, expected) => {
    const scripted = script();
    const records = await appendOrder(1);
    const messages = reader(subscribe(null));
    const feed = await scripted;
    feed.event(records[0] as FakeRecord);

    expect((await messages.next()).kind).toBe('event');
    feed.fail(error);

    await expect(within(messages.iterator.next(), 2_000, 'the failure')).rejects.toBeInstanceOf(expected);
    expect(await messages.iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('an error before the first read is not lost', async () => {
    h.fake.failNext('subscribeToAll', new UnavailableError(undefined, 'no server'));
    const subscription = subscribe(null);
    await new Promise((resolve) => setTimeout(resolve, 20));

    await expect(within(subscription[Symbol.asyncIterator]().next(), 2_000, 'the failure')).rejects.toBeInstanceOf(StoreUnavailable);
  });

  it('close() ends a pending iteration and every later one, and unsubscribes (cancels the gRPC call)', async () => {
    const messages = reader(subscribe(null));
    await messages.take(1); // caught-up on an empty log
    const pending = messages.iterator.next();

    await open[0]?.close();

    expect(await within(pending, 1_000, 'the end after close()')).toEqual({ done: true, value: undefined });
    expect(await messages.iterator.next()).toEqual({ done: true, value: undefined });
    expect(h.fake.feeds[0]?.grpc.cancelled).toBe(true);
  });

  it('breaking out of a for-await loop does not end the subscription', async () => {
    await appendOrder(2);
    const subscription = subscribe(null);
    for await (const message of subscription) {
      expect(message.kind).toBe('event');
      break;
    }

    const [again] = await reader(subscription).take(1);
    expect(again?.kind).toBe('event');
    expect(h.fake.feeds[0]?.grpc.cancelled).toBe(false);
  });

  it('when the client is replaced after a timeout, its subscriptions end with StoreUnavailable so their runners resubscribe', async () => {
    h = harness({ timeoutMs: 50 });
    const messages = reader(subscribe(null));
    await messages.take(1);
    const pending = messages.iterator.next();
    h.fake.failNext('appendToStream', 'hang');

    const { streamId, orderId } = orderStream();
    await expect(h.eventStore.append(streamId, [orderEvent(orderId, 0)], 'any')).rejects.toBeInstanceOf(StoreUnavailable);

    await expect(within(pending, 1_000, 'the interruption')).rejects.toBeInstanceOf(StoreUnavailable);
    await eventually(() => expect(h.clients[0]?.feeds[0]?.grpc.cancelled).toBe(true));
  });
});
