import { randomUUID } from 'node:crypto';
import {
  EVENT_TYPE,
  PARK,
  PINNED,
  RETRY,
  ROUND_ROBIN,
  SKIP,
  START,
  STREAM_NAME,
  UnavailableError,
  type PersistentSubscriptionToAllResolvedEvent,
} from '@eventstore/db-client';
import { parkedStreamOf, toPersistentAction, toPosition } from '../../../src/adapters/eventstoredb';
import { NotFound, StoreUnavailable, type PersistentDelivery, type PersistentGroupSettings, type PersistentSubscription } from '../../../src/application/ports';
import { within } from '../../support/eventually';
import { orderEvents, orderStream } from '../../support/new-events';
import { rawGrpcError, type FakePersistentSubscription, type FakeRecord } from './fake-eventstoredb';
import { harness, type Harness } from './support';

const settings = (overrides: Partial<PersistentGroupSettings> = {}): PersistentGroupSettings => ({
  streamPrefixes: ['order-', 'customer-', 'product-'],
  maxRetryCount: 4,
  messageTimeoutMs: 15_000,
  consumerStrategy: 'round-robin',
  ...overrides,
});

const delivered = (record: FakeRecord, retryCount = 0, link?: FakeRecord): PersistentSubscriptionToAllResolvedEvent => ({
  event: { ...record } as never,
  ...(link ? { link: { ...link } as never } : {}),
  retryCount,
});

describe('EventStoreDB persistent subscriptions over a client double', () => {
  let h: Harness;
  const open: PersistentSubscription[] = [];
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscription) => subscription.close()));
    await h.close();
  });

  const connect = (group: string, bufferSize?: number) => {
    const subscription = h.persistent.subscribe(group, bufferSize === undefined ? {} : { bufferSize });
    open.push(subscription);
    const consumer = h.fake.consumers.at(-1) as FakePersistentSubscription;
    const iterator = subscription[Symbol.asyncIterator]();
    const next = async (): Promise<PersistentDelivery> => {
      const result = await within(iterator.next(), 2_000, 'a delivery');
      if (result.done) throw new Error('the consumer ended');
      return result.value;
    };
    return { subscription, consumer, iterator, next };
  };

  const appendOrder = async (count: number): Promise<FakeRecord[]> => {
    const { streamId, orderId } = orderStream();
    await h.eventStore.append(streamId, orderEvents(orderId, count), 'no_stream');
    return h.fake.streams.get(streamId) as FakeRecord[];
  };

  describe('ensureGroup', () => {
    it('creates the group from the start of $all, with explicit retry, timeout and strategy, filtered by stream prefix', async () => {
      await h.persistent.ensureGroup('g1', settings());
      await h.persistent.ensureGroup('g2', settings({ consumerStrategy: 'pinned', streamPrefixes: [] }));

      const g1 = h.fake.groups.get('g1');
      expect(g1?.settings).toMatchObject({ startFrom: START, resolveLinkTos: false, maxRetryCount: 4, messageTimeout: 15_000, consumerStrategyName: ROUND_ROBIN });
      expect(g1?.options.filter).toMatchObject({ filterOn: STREAM_NAME, prefixes: ['order-', 'customer-', 'product-'] });
      const g2 = h.fake.groups.get('g2');
      expect(g2?.settings.consumerStrategyName).toBe(PINNED);
      expect(g2?.options.filter).toMatchObject({ filterOn: EVENT_TYPE, regex: '^[^$].*' });
    });

    it('an existing group (PersistentSubscriptionExistsError) is fine and keeps its settings', async () => {
      await h.persistent.ensureGroup('g', settings());
      await h.persistent.ensureGroup('g', settings({ maxRetryCount: 0 }));

      expect(h.fake.callsOf('createPersistentSubscriptionToAll')).toHaveLength(2);
      expect(h.fake.groups.get('g')?.settings.maxRetryCount).toBe(4);
    });

    it('refuses settings it cannot honour, and maps an unreachable server to StoreUnavailable', async () => {
      await expect(h.persistent.ensureGroup('bad', settings({ maxRetryCount: -1 }))).rejects.toBeInstanceOf(RangeError);
      await expect(h.persistent.ensureGroup('bad', settings({ messageTimeoutMs: 0 }))).rejects.toBeInstanceOf(RangeError);
      h.fake.failNext('createPersistentSubscriptionToAll', rawGrpcError(14, 'UNAVAILABLE: No connection established'));
      await expect(h.persistent.ensureGroup('g', settings())).rejects.toBeInstanceOf(StoreUnavailable);
      expect(() => h.persistent.subscribe('g', { bufferSize: 0 })).toThrow(RangeError);
    });
  });

  describe('consuming', () => {
    it('connects with the buffer size and delivers decoded events with their retry count', async () => {
      await h.persistent.ensureGroup('g', settings());
      const [created, added] = (await appendOrder(2)) as [FakeRecord, FakeRecord];
      const { consumer, next } = connect('g', 3);

      consumer.deliver(delivered(created));
      consumer.deliver(delivered(added, 2));
      const [first, second] = [await next(), await next()];

      expect(consumer.bufferSize).toBe(3);
      expect(first).toMatchObject({ kind: 'event', retryCount: 0, event: { eventId: created.id, type: 'OrderCreated', revision: 0, position: toPosition(created.position) } });
      expect(second).toMatchObject({ kind: 'event', retryCount: 2, event: { eventId: added.id } });
    });

    it('acks after apply with the event as the client delivered it; nack maps retry / park / skip and passes the reason', async () => {
      await h.persistent.ensureGroup('g', settings());
      const records = await appendOrder(4);
      const { subscription, consumer, next } = connect('g');
      for (const record of records) consumer.deliver(delivered(record));
      const [a, b, c, d] = [await next(), await next(), await next(), await next()] as PersistentDelivery[];

      await subscription.ack(a as PersistentDelivery);
      await subscription.nack(b as PersistentDelivery, 'retry', 'try again');
      await subscription.nack(c as PersistentDelivery, 'park', 'poison');
      await subscription.nack(d as PersistentDelivery, 'skip', 'not interesting');

      expect(consumer.acks).toEqual([records[0]?.id]);
      expect(consumer.nacks).toEqual([
        { action: RETRY, reason: 'try again', ids: [records[1]?.id] },
        { action: PARK, reason: 'poison', ids: [records[2]?.id] },
        { action: SKIP, reason: 'not interesting', ids: [records[3]?.id] },
      ]);
      expect([toPersistentAction('retry'), toPersistentAction('park'), toPersistentAction('skip')]).toEqual([RETRY, PARK, SKIP]);
    });

    it('delivers an undecodable event as such, so the worker can park it; acks and passes over system events', async () => {
      await h.persistent.ensureGroup('g', settings({ streamPrefixes: [] }));
      const broken = h.fake.store('order-x', { id: randomUUID(), type: 'OrderTeleported', data: {}, metadata: {}, isJson: true });
      const system = h.fake.store('$stats-node', { id: randomUUID(), type: 'StatsCollected', data: {}, metadata: {}, isJson: true });
      const { consumer, next } = connect('g');

      consumer.deliver(delivered(system));
      consumer.deliver(delivered(broken, 1));
      const delivery = await next();

      expect(delivery).toMatchObject({ kind: 'undecodable', retryCount: 1, event: { eventId: broken.id, type: 'OrderTeleported' } });
      expect(consumer.acks).toEqual([system.id]);
    });

    it('a replayed parked message (a resolved link) carries the event’s own position, read from its stream', async () => {
      await h.persistent.ensureGroup('g', settings());
      const [created] = (await appendOrder(1)) as [FakeRecord];
      const link = h.fake.store(parkedStreamOf('g'), { id: randomUUID(), type: '$>', data: Buffer.from(`0@${created.streamId}`), metadata: { reason: 'x' }, isJson: false });
      const { subscription, consumer, next } = connect('g');

      // The server gives the replayed event the link's position (in the parked stream).
      consumer.deliver(delivered({ ...created, position: link.position }, 0, link));
      const delivery = await next();
      await subscription.ack(delivery);

      expect(delivery.event.position).toBe(toPosition(created.position));
      expect(consumer.acks).toEqual([link.id]);
    });

    it('subscribing to a group that does not exist ends the iteration with NotFound', async () => {
      const { next } = connect('missing');

      await expect(next()).rejects.toBeInstanceOf(NotFound);
    });

    it('a dropped connection ends the iteration with StoreUnavailable; close() unsubscribes and ends a pending iteration', async () => {
      await h.persistent.ensureGroup('g', settings());
      const dropped = connect('g');
      dropped.consumer.fail(new UnavailableError(undefined, 'connection reset'));
      await expect(dropped.next()).rejects.toBeInstanceOf(StoreUnavailable);

      const closing = connect('g');
      const pending = closing.iterator.next();
      await closing.subscription.close();

      expect(await within(pending, 1_000, 'the end after close()')).toEqual({ done: true, value: undefined });
      expect(closing.consumer.unsubscribed).toBe(true);
      expect(closing.consumer.destroyed).toBe(true);
    });

    it('ack and nack after close() are no-ops (the server retries what was not settled)', async () => {
      await h.persistent.ensureGroup('g', settings());
      const [created] = (await appendOrder(1)) as [FakeRecord];
      const { subscription, consumer, next } = connect('g');
      consumer.deliver(delivered(created));
      const delivery = await next();

      await subscription.close();
      await subscription.ack(delivery);
      await subscription.nack(delivery, 'park', 'late');

      expect(consumer.acks).toEqual([]);
      expect(consumer.nacks).toEqual([]);
    });
  });

  describe('parked messages', () => {
    it('lists the parked stream "$persistentsubscription-$all::<group>-parked" oldest first, resolving the links, with the reason', async () => {
      await h.persistent.ensureGroup('g', settings());
      const records = (await appendOrder(3)) as FakeRecord[];
      const stream = parkedStreamOf('g');
      records.forEach((record, i) =>
        h.fake.store(stream, {
          id: randomUUID(),
          type: '$>',
          data: Buffer.from(`${record.revision}@${record.streamId}`),
          metadata: { added: '2024-05-01T10:00:00Z', reason: `reason ${i}`, subscriptionEventNumber: i },
          isJson: false,
        }),
      );

      const parked = await h.persistent.listParked('g', { maxCount: 2 });

      expect(stream).toBe('$persistentsubscription-$all::g-parked');
      expect(h.fake.callsOf('readStream').at(-1)?.args).toEqual([stream, expect.objectContaining({ fromRevision: START, maxCount: 2, resolveLinkTos: true })]);
      expect(parked).toEqual(
        records.slice(0, 2).map((record, i) => ({
          group: 'g',
          eventId: record.id,
          streamId: record.streamId,
          revision: Number(record.revision),
          position: toPosition(record.position),
          type: record.type,
          reason: `reason ${i}`,
        })),
      );
    });

    it('nothing parked (no parked stream) is []; a link to a missing event is left out with a warning', async () => {
      expect(await h.persistent.listParked('g', { maxCount: 10 })).toEqual([]);

      h.fake.store(parkedStreamOf('g'), { id: randomUUID(), type: '$>', data: Buffer.from('0@order-gone'), metadata: { reason: 'x' }, isJson: false });
      expect(await h.persistent.listParked('g', { maxCount: 10 })).toEqual([]);
      expect(h.logger.lines.some((line) => line.level === 'warn' && line.message.includes('missing event'))).toBe(true);
    });

    it('replays through replayParkedMessagesToAll; an unknown group is NotFound', async () => {
      await h.persistent.ensureGroup('g', settings());

      await h.persistent.replayParked('g');
      await expect(h.persistent.replayParked('nope')).rejects.toBeInstanceOf(NotFound);

      expect(h.fake.replays).toEqual(['g']);
    });
  });
});
