// The EventStore contract: EventStoreDB's write and read semantics, run against every adapter
// (memory, PostgreSQL, EventStoreDB). Other tests may write to the same log at the same time, so each
// test uses fresh streams (tests/support/new-events.ts), filters $all to them or starts after the head
// it recorded first, and compares positions only with comparePositions.
import { CodecError, EventSchemaRegistry } from '../../src/adapters/codec';
import {
  ConcurrencyError,
  comparePositions,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type Position,
  type RecordedEvent,
  type Subscription,
  type SubscriptionMessage,
} from '../../src/application/ports';
import { within } from '../support/eventually';
import {
  invalidOrderEvent,
  matrixEvents,
  newEvent,
  orderEvent,
  orderEvents,
  orderStream,
  orderSubmittedEvent,
  streamFamily,
  type MatrixEventName,
} from '../support/new-events';
import { itemAdded, orderCreated } from '../support/domain-fixtures';
import { rejectionOf } from '../support/rejection';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  dispose(): Promise<void>;
}

/** Opens the adapter on a log other tests may share. */
export type EventStoreFactory = () => Promise<EventStoreUnderTest>;

const MESSAGE_TIMEOUT_MS = 5_000;

const idsOf = (events: readonly { readonly eventId: string }[]): string[] => events.map((event) => event.eventId);

/** The rejection of `promise` (fails the test when it resolves). */
const expectConflict = async (promise: Promise<unknown>, streamId: string, expected: ExpectedRevision, actualRevision: number): Promise<void> => {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ConcurrencyError);
  expect(error).toMatchObject({ streamId, expectedRevision: expected, actualRevision });
};

interface Comparable {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

/** What a reader must see of an appended (or read) event: its id, type, data and metadata. */
const asRead = (event: Comparable): Comparable => ({
  eventId: event.eventId,
  type: event.type,
  data: event.data,
  metadata: event.metadata,
});

/** Pulls subscription messages one at a time through a single iterator, each within a time limit. */
class MessageReader {
  private readonly iterator: AsyncIterator<SubscriptionMessage>;
  readonly seen: SubscriptionMessage[] = [];

  constructor(readonly subscription: Subscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async next(what = 'the next subscription message'): Promise<SubscriptionMessage> {
    const result = await within(this.iterator.next(), MESSAGE_TIMEOUT_MS, what);
    if (result.done) throw new Error(`the subscription ended while waiting for ${what}`);
    this.seen.push(result.value);
    return result.value;
  }

  /** Reads up to and including the first message for which `stop` holds; returns what it read. */
  async until(stop: (message: SubscriptionMessage) => boolean, what: string): Promise<SubscriptionMessage[]> {
    const read: SubscriptionMessage[] = [];
    for (;;) {
      const message = await this.next(what);
      read.push(message);
      if (stop(message)) return read;
    }
  }

  untilCaughtUp(): Promise<SubscriptionMessage[]> {
    return this.until((message) => message.kind === 'caught-up', 'caught-up');
  }

  /** Reads until `count` events have arrived; returns them. */
  async events(count: number, what = `${count} events`): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    while (events.length < count) {
      const message = await this.next(what);
      if (message.kind === 'event') events.push(message.event);
      if (message.kind === 'undecodable') throw new Error(`unexpected undecodable event ${message.event.eventId}: ${message.event.error.message}`);
    }
    return events;
  }

  /** Gives the pending-or-next result (used to see that close() ends the iteration). */
  raw(): Promise<IteratorResult<SubscriptionMessage>> {
    return this.iterator.next();
  }
}

const eventsIn = (messages: readonly SubscriptionMessage[]): RecordedEvent[] =>
  messages.flatMap((message) => (message.kind === 'event' ? [message.event] : []));

// ------------------------------------------------------------------ the idempotency matrix

type BatchEvent = MatrixEventName | 'new';
interface Batch {
  readonly events: readonly BatchEvent[];
  readonly expected: ExpectedRevision;
}
interface MatrixRow {
  readonly row: number;
  readonly setup: readonly Batch[];
  /** Sent in order after the setup; all succeed or the (single) retry conflicts. */
  readonly retries: readonly Batch[];
  readonly outcome: 'success' | 'conflict';
  /** success: nextExpectedRevision of every retry (the last matched event when nothing is written). conflict: actualRevision. */
  readonly revision: number;
  /** The stream's event ids afterwards. */
  readonly stream: readonly BatchEvent[];
}

const SIX: readonly MatrixEventName[] = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'];
/** e0@-1, e1@0, e2@1, … : one event per append, each with the exact expected revision. */
const oneAtATime = (names: readonly MatrixEventName[]): Batch[] =>
  names.map((name, i) => ({ events: [name], expected: i === 0 ? 'no_stream' : i - 1 }));
const at = (expected: ExpectedRevision, ...events: BatchEvent[]): Batch => ({ events, expected });
const describeBatch = ({ events, expected }: Batch): string =>
  `${events.length === 1 ? events[0] : `[${events.join(', ')}]`}@${expected === 'no_stream' ? -1 : expected}`;

/** CLIENT-NOTES.md, "The append idempotency matrix" (EventStoreDB's own server tests), row by row. */
const MATRIX: readonly MatrixRow[] = [
  { row: 1, setup: oneAtATime(SIX), retries: [at('no_stream', 'e0')], outcome: 'success', revision: 0, stream: SIX },
  { row: 2, setup: oneAtATime(SIX), retries: [at('any', 'e0')], outcome: 'success', revision: 0, stream: SIX },
  { row: 3, setup: oneAtATime(SIX), retries: [at(5, 'e0')], outcome: 'success', revision: 6, stream: [...SIX, 'e0'] },
  { row: 4, setup: oneAtATime(SIX), retries: [at(6, 'e0')], outcome: 'conflict', revision: 5, stream: SIX },
  { row: 5, setup: oneAtATime(SIX), retries: [at(4, 'e0')], outcome: 'conflict', revision: 5, stream: SIX },
  { row: 6, setup: oneAtATime(['e0']), retries: [at(0, 'e0')], outcome: 'success', revision: 1, stream: ['e0', 'e0'] },
  { row: 7, setup: oneAtATime(['e0']), retries: [at('any', 'e0')], outcome: 'success', revision: 0, stream: ['e0'] },
  { row: 8, setup: oneAtATime(['e0']), retries: [at('no_stream', 'e0')], outcome: 'success', revision: 0, stream: ['e0'] },
  {
    row: 9,
    setup: oneAtATime(['e0', 'e1', 'e2']),
    retries: [at('any', 'e1'), at('any', 'e1')],
    outcome: 'success',
    revision: 1,
    stream: ['e0', 'e1', 'e2'],
  },
  { row: 10, setup: [at('no_stream', 'e0', 'e1')], retries: [at('no_stream', 'e0')], outcome: 'success', revision: 0, stream: ['e0', 'e1'] },
  { row: 11, setup: [at('no_stream', 'e0', 'e1')], retries: [at('any', 'e0')], outcome: 'success', revision: 0, stream: ['e0', 'e1'] },
  { row: 12, setup: [at('no_stream', 'e0', 'e1')], retries: [at(0, 'e1')], outcome: 'success', revision: 1, stream: ['e0', 'e1'] },
  { row: 13, setup: [at('no_stream', 'e0', 'e1')], retries: [at('any', 'e1')], outcome: 'success', revision: 1, stream: ['e0', 'e1'] },
  {
    row: 14,
    setup: [at('no_stream', 'e0', 'e1')],
    retries: [at('no_stream', 'e0', 'e1', 'new')],
    outcome: 'conflict',
    revision: 1,
    stream: ['e0', 'e1'],
  },
];

const matrixTitle = (row: MatrixRow): string =>
  `#${row.row}: ${row.setup.map(describeBatch).join(', ')} then ${row.retries.map(describeBatch).join(' then ')} → ${
    row.outcome === 'success' ? (row.stream.length > row.setup.flatMap((b) => b.events).length ? 'written again' : 'nothing written') : 'conflict'
  }`;

export const eventStoreContract = (adapterName: string, factory: EventStoreFactory): void => {
  describe(`${adapterName}: EventStore contract`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
      await subject.dispose();
    });

    const subscribe = (from: Position | null, streamPrefixes: readonly string[]): MessageReader => {
      const subscription = store.subscribeToAll({ from, streamPrefixes });
      subscriptions.push(subscription);
      return new MessageReader(subscription);
    };

    const streamIds = async (streamId: string): Promise<string[]> => idsOf(await store.readStream(streamId));

    describe('the idempotency matrix (CLIENT-NOTES.md)', () => {
      it.each(MATRIX.map((row) => ({ ...row, title: matrixTitle(row) })))('$title', async (row) => {
        const { streamId, orderId } = orderStream();
        const events: Record<BatchEvent, NewEvent> = { ...matrixEvents(orderId), new: orderEvent(orderId, 6) };
        const batch = (names: readonly BatchEvent[]): NewEvent[] => names.map((name) => events[name]);
        for (const setup of row.setup) await store.append(streamId, batch(setup.events), setup.expected);

        for (const retry of row.retries) {
          const attempt = store.append(streamId, batch(retry.events), retry.expected);
          if (row.outcome === 'success') {
            expect((await attempt).nextExpectedRevision).toBe(row.revision);
          } else {
            await expectConflict(attempt, streamId, retry.expected, row.revision);
          }
        }

        expect(await streamIds(streamId)).toEqual(idsOf(batch(row.stream)));
      });

      it('an idempotent retry reports the position of the stored copy of its last event', async () => {
        const { streamId, orderId } = orderStream();
        const { e0, e1, e2 } = matrixEvents(orderId);
        await store.append(streamId, [e0, e1], 'no_stream');
        await store.append(streamId, [e2], 1);
        const stored = await store.readStream(streamId);

        expect(await store.append(streamId, [e0, e1], 'no_stream')).toEqual({ nextExpectedRevision: 1, position: stored[1]?.position });
        expect(await store.append(streamId, [e2], 'any')).toEqual({ nextExpectedRevision: 2, position: stored[2]?.position });
      });

      it('a retried batch that only partly matches the stored events is a conflict (exact revision and any)', async () => {
        const { streamId, orderId } = orderStream();
        const { e0, e1, e2, e3 } = matrixEvents(orderId);
        await store.append(streamId, [e0, e1, e2], 'no_stream');

        await expectConflict(store.append(streamId, [e0, e3], 'no_stream'), streamId, 'no_stream', 2);
        await expectConflict(store.append(streamId, [e1, e3], 'any'), streamId, 'any', 2);
        await expectConflict(store.append(streamId, [e2, e3], 'any'), streamId, 'any', 2);
        expect(await streamIds(streamId)).toEqual(idsOf([e0, e1, e2]));
      });
    });

    describe('expected revision', () => {
      it("'any' creates a missing stream and appends to an existing one", async () => {
        const { streamId, orderId } = orderStream();

        expect((await store.append(streamId, [orderEvent(orderId, 0)], 'any')).nextExpectedRevision).toBe(0);
        expect((await store.append(streamId, orderEvents(orderId, 2, 1), 'any')).nextExpectedRevision).toBe(2);
        expect(await store.readStream(streamId)).toHaveLength(3);
      });

      it("'no_stream' creates a missing stream; on an existing stream new events conflict", async () => {
        const { streamId, orderId } = orderStream();
        expect((await store.append(streamId, orderEvents(orderId, 2), 'no_stream')).nextExpectedRevision).toBe(1);

        await expectConflict(store.append(streamId, [orderEvent(orderId, 2)], 'no_stream'), streamId, 'no_stream', 1);
        expect(await store.readStream(streamId)).toHaveLength(2);
      });

      it("'stream_exists' conflicts on a missing stream (actual -1) and appends to an existing one", async () => {
        const { streamId, orderId } = orderStream();
        await expectConflict(store.append(streamId, [orderEvent(orderId, 0)], 'stream_exists'), streamId, 'stream_exists', -1);
        expect(await store.readStream(streamId)).toEqual([]);

        await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
        expect((await store.append(streamId, [orderEvent(orderId, 1)], 'stream_exists')).nextExpectedRevision).toBe(1);
      });

      it('an exact revision appends when it is the current one, and conflicts when it is ahead or (with new events) behind', async () => {
        const { streamId, orderId } = orderStream();
        await store.append(streamId, orderEvents(orderId, 3), 'no_stream');

        await expectConflict(store.append(streamId, [orderEvent(orderId, 3)], 3), streamId, 3, 2);
        await expectConflict(store.append(streamId, [orderEvent(orderId, 3)], 1), streamId, 1, 2);
        expect(await store.append(streamId, [orderEvent(orderId, 3)], 2)).toMatchObject({ nextExpectedRevision: 3 });
        expect(await store.readStream(streamId)).toHaveLength(4);
      });

      it('an exact revision on a missing stream conflicts with actual revision -1', async () => {
        const { streamId, orderId } = orderStream();

        await expectConflict(store.append(streamId, [orderEvent(orderId, 0)], 0), streamId, 0, -1);
        expect(await store.readStream(streamId)).toEqual([]);
      });

      it('an empty batch only checks the expected revision and writes nothing', async () => {
        const { streamId, orderId } = orderStream();
        expect((await store.append(streamId, [], 'any')).nextExpectedRevision).toBe(-1);
        expect((await store.append(streamId, [], 'no_stream')).nextExpectedRevision).toBe(-1);
        await expectConflict(store.append(streamId, [], 'stream_exists'), streamId, 'stream_exists', -1);
        expect(await store.readStream(streamId)).toEqual([]);

        await store.append(streamId, orderEvents(orderId, 2), 'no_stream');
        expect((await store.append(streamId, [], 1)).nextExpectedRevision).toBe(1);
        expect((await store.append(streamId, [], 'stream_exists')).nextExpectedRevision).toBe(1);
        await expectConflict(store.append(streamId, [], 0), streamId, 0, 1);
        await expectConflict(store.append(streamId, [], 'no_stream'), streamId, 'no_stream', 1);
        await expectConflict(store.append(streamId, [], 5), streamId, 5, 1);
        expect(await store.readStream(streamId)).toHaveLength(2);
      });
    });

    describe('racing writers', () => {
      it('10 concurrent appends with the same expected revision: exactly one wins, 9 conflict', async () => {
        const { streamId, orderId } = orderStream();
        await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
        const contenders = Array.from({ length: 10 }, (_, i) => orderEvent(orderId, i + 1));

        const outcomes = await Promise.allSettled(contenders.map((event) => store.append(streamId, [event], 0)));

        const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [contenders[i] as NewEvent] : []));
        const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(9);
        for (const error of losers) expect(error).toBeInstanceOf(ConcurrencyError);
        const stored = await store.readStream(streamId);
        expect(stored).toHaveLength(2);
        expect(stored[1]?.eventId).toBe(winners[0]?.eventId);
      });

      it("10 concurrent appends with 'any' all succeed, with distinct revisions and increasing positions", async () => {
        const { streamId, orderId } = orderStream();
        await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');

        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.append(streamId, [orderEvent(orderId, i + 1)], 'any')));

        const byRevision = [...results].sort((a, b) => a.nextExpectedRevision - b.nextExpectedRevision);
        expect(byRevision.map((result) => result.nextExpectedRevision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        byRevision.slice(1).forEach((result, i) => expect(comparePositions(result.position, (byRevision[i] as typeof result).position)).toBe(1));
        expect(await store.readStream(streamId)).toHaveLength(11);
      });
    });

    describe('writes', () => {
      it('is atomic: a batch with one invalid event fails with CodecError and writes nothing', async () => {
        const { streamId, orderId } = orderStream();
        const valid = orderEvents(orderId, 2);

        const error = await rejectionOf(store.append(streamId, [valid[0] as NewEvent, invalidOrderEvent(orderId), valid[1] as NewEvent], 'any'));

        expect(error).toBeInstanceOf(CodecError);
        expect(await store.readStream(streamId)).toEqual([]);
        expect((await store.append(streamId, valid, 'no_stream')).nextExpectedRevision).toBe(1);
      });

      it('reads back data, metadata and the stored schema version as appended (latest version)', async () => {
        const { streamId, orderId } = orderStream();
        const registry = EventSchemaRegistry.fromDirectory();
        const events = [
          newEvent(orderCreated({ orderId, currency: 'JPY' }), { metadata: { correlationId: 'corr-1', causationId: 'cmd-1', actor: 'customer:42', occurredAt: '2024-02-29T23:59:59.999Z' } }),
          newEvent(itemAdded({ orderId, productName: 'Ünïcødé “quoted” ☕', quantity: 1000, unitPrice: { amount: 1_000_000_000, currency: 'JPY' } })),
          orderSubmittedEvent(orderId),
        ];

        const result = await store.append(streamId, events, 'no_stream');
        const stored = await store.readStream(streamId);

        expect(stored.map((event) => ({ eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata }))).toEqual(events.map(asRead));
        expect(stored.map((event) => event.storedSchemaVersion)).toEqual(events.map((event) => registry.latestVersion(event.type)));
        expect(stored.map((event) => [event.streamId, event.revision])).toEqual([
          [streamId, 0],
          [streamId, 1],
          [streamId, 2],
        ]);
        expect(stored[2]?.position).toBe(result.position);
      });

      it('keeps what it stored: changing the appended objects or a read result does not change later reads', async () => {
        const { streamId, orderId } = orderStream();
        const event = orderEvent(orderId, 1);
        const expected = structuredClone(asRead(event));
        await store.append(streamId, [event], 'no_stream');

        (event.data as { quantity: number }).quantity = 999;
        const [first] = await store.readStream(streamId);
        (first?.data as { quantity: number }).quantity = 998;

        const [again] = await store.readStream(streamId);
        expect(again && asRead(again)).toEqual(expected);
      });

      it('gives every event a position, strictly increasing in append order across streams; headPosition follows', async () => {
        const family = streamFamily();
        const a = family.orderStream();
        const b = family.orderStream();
        const headBefore = await store.headPosition();

        const positions: Position[] = [];
        positions.push((await store.append(a.streamId, [orderEvent(a.orderId, 0)], 'no_stream')).position);
        positions.push((await store.append(b.streamId, [orderEvent(b.orderId, 0)], 'no_stream')).position);
        positions.push((await store.append(a.streamId, orderEvents(a.orderId, 2, 1), 0)).position);
        const headAfter = await store.headPosition();

        if (headBefore !== null) expect(comparePositions(positions[0] as Position, headBefore)).toBe(1);
        positions.slice(1).forEach((position, i) => expect(comparePositions(position, positions[i] as Position)).toBe(1));
        expect(headAfter).not.toBeNull();
        expect(comparePositions(headAfter as Position, positions[2] as Position)).toBeGreaterThanOrEqual(0);
        const read = await store.readAll({ after: headBefore, maxCount: 10, streamPrefixes: [family.orderPrefix] });
        expect(read.map((event) => [event.streamId, event.revision])).toEqual([
          [a.streamId, 0],
          [b.streamId, 0],
          [a.streamId, 1],
          [a.streamId, 2],
        ]);
        read.slice(1).forEach((event, i) => expect(comparePositions(event.position, (read[i] as RecordedEvent).position)).toBe(1));
      });
    });

    describe('reading a stream', () => {
      let streamId: string;
      let appended: NewEvent[];
      beforeEach(async () => {
        const stream = orderStream();
        streamId = stream.streamId;
        appended = orderEvents(stream.orderId, 6);
        await store.append(streamId, appended, 'no_stream');
      });
      const ids = (...revisions: number[]): string[] => revisions.map((revision) => (appended[revision] as NewEvent).eventId);
      const read = async (options: Parameters<EventStore['readStream']>[1]): Promise<[number, string][]> =>
        (await store.readStream(streamId, options)).map((event) => [event.revision, event.eventId]);
      const pairs = (...revisions: number[]): [number, string][] => revisions.map((revision) => [revision, ids(revision)[0] as string]);

      it('forwards: everything by default, from a revision (inclusive), at most maxCount', async () => {
        expect(await read(undefined)).toEqual(pairs(0, 1, 2, 3, 4, 5));
        expect(await read({ fromRevision: 2, maxCount: 3 })).toEqual(pairs(2, 3, 4));
        expect(await read({ direction: 'forwards', fromRevision: 4 })).toEqual(pairs(4, 5));
        expect(await read({ fromRevision: 6 })).toEqual([]);
      });

      it('backwards: from the last event by default, from a revision (inclusive), at most maxCount', async () => {
        expect(await read({ direction: 'backwards' })).toEqual(pairs(5, 4, 3, 2, 1, 0));
        expect(await read({ direction: 'backwards', fromRevision: 3, maxCount: 2 })).toEqual(pairs(3, 2));
        expect(await read({ direction: 'backwards', maxCount: 1 })).toEqual(pairs(5));
        expect(await read({ direction: 'backwards', fromRevision: 0 })).toEqual(pairs(0));
      });

      it('a missing stream reads as [] in both directions', async () => {
        const missing = orderStream().streamId;
        expect(await store.readStream(missing)).toEqual([]);
        expect(await store.readStream(missing, { direction: 'backwards', maxCount: 5 })).toEqual([]);
      });
    });

    describe('reading $all', () => {
      it('returns events strictly after a position, at most maxCount, only from streams with the given prefixes', async () => {
        const family = streamFamily();
        const other = streamFamily();
        const a = family.orderStream();
        const b = family.orderStream();
        const elsewhere = other.orderStream();
        const first = await store.append(a.streamId, [orderEvent(a.orderId, 0)], 'no_stream');
        await store.append(elsewhere.streamId, [orderEvent(elsewhere.orderId, 0)], 'no_stream');
        await store.append(b.streamId, [orderEvent(b.orderId, 0)], 'no_stream');
        await store.append(a.streamId, orderEvents(a.orderId, 3, 1), 0);

        const page = await store.readAll({ after: first.position, maxCount: 3, streamPrefixes: [family.orderPrefix] });
        expect(page.map((event) => [event.streamId, event.revision])).toEqual([
          [b.streamId, 0],
          [a.streamId, 1],
          [a.streamId, 2],
        ]);

        const next = await store.readAll({ after: (page[2] as RecordedEvent).position, maxCount: 3, streamPrefixes: [family.orderPrefix] });
        expect(next.map((event) => [event.streamId, event.revision])).toEqual([[a.streamId, 3]]);

        const onlyB = await store.readAll({ after: first.position, maxCount: 10, streamPrefixes: [b.streamId, elsewhere.streamId] });
        expect(onlyB.map((event) => event.streamId)).toEqual([elsewhere.streamId, b.streamId]);
      });

      it('without prefixes returns every stream, in global order', async () => {
        const head = await store.headPosition();
        const a = orderStream();
        const b = orderStream();
        await store.append(a.streamId, [orderEvent(a.orderId, 0)], 'no_stream');
        await store.append(b.streamId, [orderEvent(b.orderId, 0)], 'no_stream');

        const read = await store.readAll({ after: head, maxCount: 1000 });
        const mine = read.filter((event) => event.streamId === a.streamId || event.streamId === b.streamId);
        expect(mine.map((event) => event.streamId)).toEqual([a.streamId, b.streamId]);
        read.slice(1).forEach((event, i) => expect(comparePositions(event.position, (read[i] as RecordedEvent).position)).toBe(1));
      });
    });

    describe('subscriptions to $all', () => {
      it('started before the events exist: caught up, then delivers them live', async () => {
        const family = streamFamily();
        const reader = subscribe(await store.headPosition(), [family.orderPrefix]);
        const history = await reader.untilCaughtUp();
        expect(eventsIn(history)).toEqual([]);

        const { streamId, orderId } = family.orderStream();
        const events = orderEvents(orderId, 3);
        await store.append(streamId, events, 'no_stream');

        const live = await reader.events(3);
        expect(live.map((event) => ({ ...asRead(event), streamId: event.streamId, revision: event.revision }))).toEqual(
          events.map((event, revision) => ({ ...asRead(event), streamId, revision })),
        );
      });

      it('started after the events: history, then caught-up, then live events', async () => {
        const family = streamFamily();
        const { streamId, orderId } = family.orderStream();
        const from = await store.headPosition();
        const history = orderEvents(orderId, 3);
        await store.append(streamId, history, 'no_stream');

        const reader = subscribe(from, [family.orderPrefix]);
        const beforeCaughtUp = await reader.untilCaughtUp();
        expect(idsOf(eventsIn(beforeCaughtUp))).toEqual(idsOf(history));

        const live = orderEvents(orderId, 2, 3);
        await store.append(streamId, live, 2);
        expect(idsOf(await reader.events(2))).toEqual(idsOf(live));
      });

      it('starts strictly after the given position', async () => {
        const family = streamFamily();
        const { streamId, orderId } = family.orderStream();
        await store.append(streamId, orderEvents(orderId, 5), 'no_stream');
        const stored = await store.readStream(streamId);

        const reader = subscribe((stored[1] as RecordedEvent).position, [family.orderPrefix]);

        expect((await reader.events(3)).map((event) => event.revision)).toEqual([2, 3, 4]);
        expect(eventsIn(await reader.untilCaughtUp())).toEqual([]);
      });

      it('delivers only streams with the given prefixes, in history and live', async () => {
        const family = streamFamily();
        const other = streamFamily();
        const mine = family.orderStream();
        const theirs = other.orderStream();
        const from = await store.headPosition();
        await store.append(theirs.streamId, [orderEvent(theirs.orderId, 0)], 'no_stream');
        await store.append(mine.streamId, [orderEvent(mine.orderId, 0)], 'no_stream');

        const reader = subscribe(from, [family.orderPrefix]);
        expect(eventsIn(await reader.untilCaughtUp()).map((event) => event.streamId)).toEqual([mine.streamId]);

        await store.append(theirs.streamId, [orderEvent(theirs.orderId, 1)], 0);
        const mineLive = orderEvent(mine.orderId, 1);
        await store.append(mine.streamId, [mineLive], 0);
        const [live] = await reader.events(1);
        expect(live?.eventId).toBe(mineLive.eventId);
      });

      it('checkpoints: no event at or before a checkpoint arrives after it, and each covers every earlier matching event', async () => {
        const family = streamFamily();
        const other = streamFamily();
        const mine = family.orderStream();
        const noise = [other.orderStream(), other.orderStream(), other.orderStream()];
        const from = await store.headPosition();
        // 3 × 35 events the filter skips (more than 3 checkpoint windows of 32), with 3 matching ones among them.
        for (const [n, stream] of noise.entries()) {
          await store.append(stream.streamId, orderEvents(stream.orderId, 35), 'no_stream');
          await store.append(mine.streamId, [orderEvent(mine.orderId, n)], n === 0 ? 'no_stream' : n - 1);
        }
        const appended = await store.readStream(mine.streamId);

        const reader = subscribe(from, [family.orderPrefix]);
        const messages = await reader.untilCaughtUp();

        expect(idsOf(eventsIn(messages))).toEqual(idsOf(appended));
        const checkpoints = messages.flatMap((message, index) => (message.kind === 'checkpoint' ? [{ index, position: message.position }] : []));
        expect(checkpoints.length).toBeGreaterThan(0);
        for (const { index, position } of checkpoints) {
          const eventsAfter = eventsIn(messages.slice(index + 1));
          const eventsBefore = eventsIn(messages.slice(0, index));
          for (const event of eventsAfter) expect(comparePositions(event.position, position)).toBe(1);
          const coveredIds = appended.filter((event) => comparePositions(event.position, position) <= 0).map((event) => event.eventId);
          expect(idsOf(eventsBefore)).toEqual(expect.arrayContaining(coveredIds));
        }
        checkpoints
          .slice(1)
          .forEach((checkpoint, i) => expect(comparePositions(checkpoint.position, (checkpoints[i] as { position: Position }).position)).toBeGreaterThanOrEqual(0));
      });

      it('caught-up comes after every event that existed when the subscription started', async () => {
        const family = streamFamily();
        const a = family.orderStream();
        const b = family.orderStream();
        const from = await store.headPosition();
        await store.append(a.streamId, orderEvents(a.orderId, 2), 'no_stream');
        await store.append(b.streamId, orderEvents(b.orderId, 2), 'no_stream');
        const existing = await store.readAll({ after: from, maxCount: 10, streamPrefixes: [family.orderPrefix] });

        const reader = subscribe(from, [family.orderPrefix]);
        const messages = await reader.untilCaughtUp();

        expect(messages.filter((message) => message.kind === 'caught-up')).toHaveLength(1);
        expect(idsOf(eventsIn(messages))).toEqual(idsOf(existing));
      });

      it('close() ends a pending iteration and every later one', async () => {
        const family = streamFamily();
        const reader = subscribe(await store.headPosition(), [family.orderPrefix]);
        await reader.untilCaughtUp();

        const pending = reader.raw();
        await reader.subscription.close();

        expect(await within(pending, 2_000, 'the end of the iteration after close()')).toMatchObject({ done: true });
        expect(await within(reader.raw(), 2_000, 'a next() after close()')).toMatchObject({ done: true });
      });

      it('several subscribers at once each get every matching event', async () => {
        const family = streamFamily();
        const from = await store.headPosition();
        const readers = [subscribe(from, [family.orderPrefix]), subscribe(from, [family.orderPrefix]), subscribe(from, [family.orderPrefix])];
        await Promise.all(readers.map((reader) => reader.untilCaughtUp()));

        const { streamId, orderId } = family.orderStream();
        const events = orderEvents(orderId, 4);
        await store.append(streamId, events.slice(0, 2), 'no_stream');
        await store.append(streamId, events.slice(2), 1);

        for (const reader of readers) expect(idsOf(await reader.events(4))).toEqual(idsOf(events));
      });
    });
  });
};
