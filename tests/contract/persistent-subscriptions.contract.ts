// The PersistentSubscriptions contract: EventStoreDB persistent subscriptions to $all (server-side
// groups, competing consumers, ack / nack, retry, park, replay), run against every adapter. Groups start
// at the beginning of a log other tests share, so each test filters its group to a fresh stream family
// and uses a fresh group name. EventStoreDB checks message timeouts on a 1 s clock tick: waits are generous.
import { randomUUID } from 'node:crypto';
import type {
  EventStore,
  NewEvent,
  PersistentDelivery,
  PersistentGroupSettings,
  PersistentSubscription,
  PersistentSubscriptions,
} from '../../src/application/ports';
import { eventually, within } from '../support/eventually';
import { orderEvent, orderEvents, streamFamily, type StreamFamily } from '../support/new-events';

export interface PersistentSubscriptionsUnderTest {
  readonly store: EventStore;
  readonly persistent: PersistentSubscriptions;
  dispose(): Promise<void>;
}

export type PersistentSubscriptionsFactory = () => Promise<PersistentSubscriptionsUnderTest>;

const DELIVERY_TIMEOUT_MS = 10_000;
/** Short enough to see a timeout redelivery quickly, long enough for a test to ack in time. */
const SHORT_MESSAGE_TIMEOUT_MS = 200;
const LONG_MESSAGE_TIMEOUT_MS = 60_000;

const eventIdOf = (delivery: PersistentDelivery): string => delivery.event.eventId;
const ids = (events: readonly { readonly eventId: string }[]): string[] => events.map((event) => event.eventId);

/** One consumer, read through a single iterator, each delivery within a time limit. */
class Consumer {
  private readonly iterator: AsyncIterator<PersistentDelivery>;

  constructor(readonly subscription: PersistentSubscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async next(what = 'the next delivery'): Promise<PersistentDelivery> {
    const result = await within(this.iterator.next(), DELIVERY_TIMEOUT_MS, what);
    if (result.done) throw new Error(`the consumer ended while waiting for ${what}`);
    return result.value;
  }

  /** The next `count` deliveries, each acked as it arrives. */
  async ackNext(count: number): Promise<PersistentDelivery[]> {
    const deliveries: PersistentDelivery[] = [];
    for (let i = 0; i < count; i++) {
      const delivery = await this.next(`delivery ${i + 1} of ${count}`);
      await this.subscription.ack(delivery);
      deliveries.push(delivery);
    }
    return deliveries;
  }

  raw(): Promise<IteratorResult<PersistentDelivery>> {
    return this.iterator.next();
  }
}

export const persistentSubscriptionsContract = (adapterName: string, factory: PersistentSubscriptionsFactory): void => {
  describe(`${adapterName}: PersistentSubscriptions contract`, () => {
    let subject: PersistentSubscriptionsUnderTest;
    let store: EventStore;
    let persistent: PersistentSubscriptions;
    let family: StreamFamily;
    let group: string;
    const open: PersistentSubscription[] = [];

    beforeEach(async () => {
      subject = await factory();
      ({ store, persistent } = subject);
      family = streamFamily();
      group = `contract-${randomUUID()}`;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((subscription) => subscription.close()));
      await subject.dispose();
    });

    const settings = (overrides: Partial<PersistentGroupSettings> = {}): PersistentGroupSettings => ({
      streamPrefixes: [family.orderPrefix],
      maxRetryCount: 3,
      messageTimeoutMs: LONG_MESSAGE_TIMEOUT_MS,
      consumerStrategy: 'round-robin',
      ...overrides,
    });

    const connect = (options?: { bufferSize?: number }): Consumer => {
      const subscription = persistent.subscribe(group, options);
      open.push(subscription);
      return new Consumer(subscription);
    };

    /** A fresh stream of the family with `count` events; returns them. */
    const appendStream = async (count: number): Promise<NewEvent[]> => {
      const { streamId, orderId } = family.orderStream();
      const events = orderEvents(orderId, count);
      await store.append(streamId, events, 'no_stream');
      return events;
    };

    const parkedIds = async (maxCount = 100): Promise<string[]> => ids(await persistent.listParked(group, { maxCount }));

    it('delivers the group’s events from the beginning of the log, in order, then live ones', async () => {
      const history = await appendStream(3);
      await persistent.ensureGroup(group, settings());
      const consumer = connect();

      const first = await consumer.ackNext(3);
      expect(first.map(eventIdOf)).toEqual(ids(history));
      expect(first.map((delivery) => [delivery.kind, delivery.retryCount])).toEqual([
        ['event', 0],
        ['event', 0],
        ['event', 0],
      ]);

      const live = await appendStream(2);
      expect((await consumer.ackNext(2)).map(eventIdOf)).toEqual(ids(live));
    });

    it('delivers decoded events with their stream, revision and data', async () => {
      const [created] = await appendStream(1);
      await persistent.ensureGroup(group, settings());

      const [delivery] = await connect().ackNext(1);

      expect(delivery).toMatchObject({ kind: 'event', retryCount: 0, event: { eventId: created?.eventId, type: 'OrderCreated', revision: 0, data: created?.data } });
    });

    it('ensureGroup is idempotent: an existing group keeps its settings', async () => {
      await persistent.ensureGroup(group, settings());
      const other = streamFamily();
      await persistent.ensureGroup(group, settings({ streamPrefixes: [other.orderPrefix], maxRetryCount: 0 }));
      const consumer = connect();

      const { streamId: otherStream, orderId: otherOrder } = other.orderStream();
      await store.append(otherStream, [orderEvent(otherOrder, 0)], 'no_stream');
      const mine = await appendStream(1);

      const [delivery] = await consumer.ackNext(1);
      expect(delivery && eventIdOf(delivery)).toBe(mine[0]?.eventId);
    });

    it('an acked event is not delivered again; an unacked one is redelivered after the message timeout with retryCount 1', async () => {
      await persistent.ensureGroup(group, settings({ messageTimeoutMs: SHORT_MESSAGE_TIMEOUT_MS }));
      const consumer = connect();
      const [acked, ignored] = await appendStream(2);

      const first = await consumer.next();
      await consumer.subscription.ack(first);
      const second = await consumer.next();
      const again = await consumer.next('the redelivery after the message timeout');
      await consumer.subscription.ack(again);

      expect([first, second].map(eventIdOf)).toEqual([acked?.eventId, ignored?.eventId]);
      expect([first.retryCount, second.retryCount]).toEqual([0, 0]);
      expect(eventIdOf(again)).toBe(ignored?.eventId);
      expect(again.retryCount).toBe(1);
    });

    it("nack 'retry' redelivers the event with retryCount + 1", async () => {
      await persistent.ensureGroup(group, settings());
      const consumer = connect();
      const [event] = await appendStream(1);

      const first = await consumer.next();
      await consumer.subscription.nack(first, 'retry', 'try again');
      const second = await consumer.next('the retried delivery');
      await consumer.subscription.nack(second, 'retry', 'try again');
      const third = await consumer.next('the second retried delivery');
      await consumer.subscription.ack(third);

      expect([first, second, third].map(eventIdOf)).toEqual([event?.eventId, event?.eventId, event?.eventId]);
      expect([first, second, third].map((delivery) => delivery.retryCount)).toEqual([0, 1, 2]);
    });

    it('parks an event retried maxRetryCount times: maxRetryCount + 1 deliveries, then it is listed as parked', async () => {
      const maxRetryCount = 2;
      await persistent.ensureGroup(group, settings({ maxRetryCount }));
      const consumer = connect();
      const [event] = await appendStream(1);

      const deliveries: PersistentDelivery[] = [];
      for (let attempt = 0; attempt <= maxRetryCount; attempt++) {
        const delivery = await consumer.next(`delivery ${attempt + 1}`);
        deliveries.push(delivery);
        await consumer.subscription.nack(delivery, 'retry', 'still failing');
      }

      expect(deliveries.map((delivery) => [eventIdOf(delivery), delivery.retryCount])).toEqual([
        [event?.eventId, 0],
        [event?.eventId, 1],
        [event?.eventId, 2],
      ]);
      await eventually(async () => expect(await parkedIds()).toEqual([event?.eventId]));
      // Nothing more of the parked event: the next delivery is an event appended afterwards.
      const [sentinel] = await appendStream(1);
      const [next] = await consumer.ackNext(1);
      expect(next && eventIdOf(next)).toBe(sentinel?.eventId);
    });

    it("nack 'park' parks at once; listParked shows where the event is and why", async () => {
      await persistent.ensureGroup(group, settings());
      const consumer = connect();
      const [event] = await appendStream(1);
      const [stored] = await store.readStream(`order-${(event?.data as { orderId: string }).orderId}`);

      const delivery = await consumer.next();
      await consumer.subscription.nack(delivery, 'park', 'poison: cannot apply');

      const [parked] = await eventually(async () => {
        const listed = await persistent.listParked(group, { maxCount: 10 });
        expect(listed).toHaveLength(1);
        return listed;
      });
      expect(parked).toMatchObject({ group, eventId: event?.eventId, streamId: stored?.streamId, revision: 0, position: stored?.position, type: 'OrderCreated' });
      expect(parked?.reason).toContain('poison: cannot apply');

      const [sentinel] = await appendStream(1);
      const [next] = await consumer.ackNext(1);
      expect(next && eventIdOf(next)).toBe(sentinel?.eventId);
    });

    it('listParked returns at most maxCount messages, oldest first', async () => {
      await persistent.ensureGroup(group, settings());
      const consumer = connect();
      const events = await appendStream(3);

      for (let i = 0; i < 3; i++) await consumer.subscription.nack(await consumer.next(), 'park', `reason ${i}`);

      await eventually(async () => expect(await parkedIds()).toEqual(ids(events)));
      expect(await parkedIds(2)).toEqual(ids(events.slice(0, 2)));
    });

    it('replayParked delivers parked events again (retryCount 0) and takes them off the parked list', async () => {
      await persistent.ensureGroup(group, settings());
      const consumer = connect();
      const [event] = await appendStream(1);
      await consumer.subscription.nack(await consumer.next(), 'park', 'fix me');
      await eventually(async () => expect(await parkedIds()).toEqual([event?.eventId]));

      await persistent.replayParked(group);
      const replayed = await consumer.next('the replayed event');
      await consumer.subscription.ack(replayed);

      expect([eventIdOf(replayed), replayed.retryCount]).toEqual([event?.eventId, 0]);
      await eventually(async () => expect(await parkedIds()).toEqual([]));
    });

    it("nack 'skip' drops the event: neither redelivered nor parked", async () => {
      await persistent.ensureGroup(group, settings());
      const consumer = connect();
      await appendStream(1);
      await consumer.subscription.nack(await consumer.next(), 'skip', 'not interesting');

      const [sentinel] = await appendStream(1);
      const [next] = await consumer.ackNext(1);

      expect(next && eventIdOf(next)).toBe(sentinel?.eventId);
      expect(await parkedIds()).toEqual([]);
    });

    it('an event that times out on its last retry is parked', async () => {
      await persistent.ensureGroup(group, settings({ maxRetryCount: 1, messageTimeoutMs: SHORT_MESSAGE_TIMEOUT_MS }));
      const consumer = connect();
      const [event] = await appendStream(1);

      const first = await consumer.next();
      const second = await consumer.next('the redelivery after a timeout');

      expect([first, second].map((delivery) => [eventIdOf(delivery), delivery.retryCount])).toEqual([
        [event?.eventId, 0],
        [event?.eventId, 1],
      ]);
      await eventually(async () => expect(await parkedIds()).toEqual([event?.eventId]));
    });

    it('competing consumers share the events; none is delivered to both', async () => {
      await persistent.ensureGroup(group, settings());
      const consumers = [connect({ bufferSize: 1 }), connect({ bufferSize: 1 })];
      const received: PersistentDelivery[][] = [[], []];
      // Each holds its first event unacked until the other has one too: with one slot each, the second must compete.
      let bothHaveOne!: () => void;
      const bothStarted = new Promise<void>((resolve) => (bothHaveOne = resolve));
      const total = 10;
      let count = 0;
      const run = async (index: number): Promise<void> => {
        const consumer = consumers[index] as Consumer;
        const mine = received[index] as PersistentDelivery[];
        for (;;) {
          const result = await consumer.raw();
          if (result.done) return;
          mine.push(result.value);
          count++;
          if (received.every((deliveries) => deliveries.length > 0)) bothHaveOne();
          await within(bothStarted, DELIVERY_TIMEOUT_MS, 'a delivery to the other consumer');
          await consumer.subscription.ack(result.value);
          if (count >= total) await Promise.all(consumers.map((each) => each.subscription.close()));
        }
      };
      const running = Promise.all([run(0), run(1)]);

      const events: NewEvent[] = [];
      for (let i = 0; i < 5; i++) events.push(...(await appendStream(2)));
      await within(running, DELIVERY_TIMEOUT_MS * 2, 'both consumers finishing');

      const [first, second] = received.map((deliveries) => deliveries.map(eventIdOf)) as [string[], string[]];
      expect(first.length).toBeGreaterThan(0);
      expect(second.length).toBeGreaterThan(0);
      expect(first.filter((id) => second.includes(id))).toEqual([]);
      expect([...first, ...second].sort()).toEqual(ids(events).sort());
      expect(received.flat().every((delivery) => delivery.retryCount === 0)).toBe(true);
    });

    it('a closed consumer’s unacked events go to another consumer, as a retry', async () => {
      await persistent.ensureGroup(group, settings());
      const leaving = connect();
      const [event] = await appendStream(1);
      const taken = await leaving.next();

      await leaving.subscription.close();
      const staying = connect();
      const [redelivered] = await staying.ackNext(1);

      expect(eventIdOf(taken)).toBe(event?.eventId);
      expect(redelivered && [eventIdOf(redelivered), redelivered.retryCount]).toEqual([event?.eventId, 1]);
    });

    it('close() ends a pending iteration', async () => {
      await persistent.ensureGroup(group, settings());
      const consumer = connect();

      const pending = consumer.raw();
      await consumer.subscription.close();

      expect(await within(pending, 2_000, 'the end of the iteration after close()')).toMatchObject({ done: true });
    });

    it('subscribing to a group that does not exist fails', async () => {
      const attempt = async (): Promise<void> => {
        const subscription = persistent.subscribe(`missing-${randomUUID()}`);
        open.push(subscription);
        await within(subscription[Symbol.asyncIterator]().next(), DELIVERY_TIMEOUT_MS, 'the subscription to fail');
      };
      await expect(attempt()).rejects.toThrow();
    });
  });
};
