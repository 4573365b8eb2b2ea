// The event store tests shared by the adapters that model the in-memory reference log: memory and
// PostgreSQL. "Sequential" means that positions are one increasing number, "1", "2", … across every
// stream (the commit/prepare form "c/p" still compares, "2" being "2/2"), and that an empty log has no
// head (headPosition() is null). Each test gets a fresh, empty store of its own, so it asserts exact
// positions. EventStoreDB does not run this suite: its positions are commit/prepare byte offsets in its
// transaction file, not 1, 2, … What every adapter must do is in event-store.contract.ts; what only one
// of these two does stays in its own spec (tests/contract/memory, tests/contract/postgres).
import fc from 'fast-check';
import { CodecError, type EventCodec, type StoredEvent } from '../../src/adapters/codec';
import {
  ConcurrencyError,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type Position,
  type RecordedEvent,
  type Subscription,
  type SubscriptionMessage,
} from '../../src/application/ports';
import { storedEventFixture } from '../fixtures/events/stored-events.fixture';
import { within } from '../support/eventually';
import { matrixEvents, orderEvent, orderEvents, orderStream, testMetadata } from '../support/new-events';

/** An event as a store holds it, before the log gives it a revision and a position. */
export type ImportedEvent = Pick<StoredEvent, 'eventId' | 'type' | 'streamId' | 'data' | 'metadata'>;

export interface SequentialEventStoreUnderTest {
  /** A store on an empty log of its own; its close() ends its subscriptions. */
  readonly store: EventStore & { close(): Promise<void> };
  /** The codec the store decodes with. */
  readonly codec: EventCodec;
  /** Writes events exactly as given (any schema version, no validation, no revision check) at the end of the log. */
  importStored(events: readonly ImportedEvent[]): Promise<StoredEvent[]>;
  /** What the adapter keeps of its streams, where a test can see it (PostgreSQL's streams table); absent where it cannot. */
  storedStreams?(): Promise<unknown[]>;
  /** Releases the store (after its close(), or without it). */
  dispose(): Promise<void>;
}

/** Opens the adapter on a fresh, empty log. */
export type SequentialEventStoreFactory = () => Promise<SequentialEventStoreUnderTest>;

export interface SequentialEventStoreOptions {
  /** How hard the retry property pushes: fewer runs and batches where every append is a round trip. */
  readonly retryProperty: { readonly numRuns: number; readonly maxBatches: number; readonly maxRetries: number };
}

const MESSAGE_TIMEOUT_MS = 5_000;

export const nextMessage = async (iterator: AsyncIterator<SubscriptionMessage>, ms = MESSAGE_TIMEOUT_MS): Promise<SubscriptionMessage> => {
  const result = await within(iterator.next(), ms, 'a subscription message');
  if (result.done) throw new Error('the subscription ended');
  return result.value;
};

export const readUntilCaughtUp = async (iterator: AsyncIterator<SubscriptionMessage>): Promise<SubscriptionMessage[]> => {
  const messages: SubscriptionMessage[] = [];
  for (;;) {
    const message = await nextMessage(iterator);
    messages.push(message);
    if (message.kind === 'caught-up') return messages;
  }
};

/** "event 3", "undecodable 4", "checkpoint 5", "caught-up": a message by its kind and position. */
export const summary = (message: SubscriptionMessage): string =>
  message.kind === 'checkpoint'
    ? `checkpoint ${message.position}`
    : message.kind === 'event' || message.kind === 'undecodable'
      ? `${message.kind} ${message.event.position}`
      : message.kind;

/** What decoding must give, in eventId order (to compare with a stored-event fixture's expectations). */
const decodedView = (events: readonly RecordedEvent[]): unknown[] =>
  events
    .map(({ eventId, type, storedSchemaVersion, data }) => ({ eventId, type, storedSchemaVersion, data }))
    .sort((a, b) => a.eventId.localeCompare(b.eventId));

export const sequentialEventStoreContract = (adapterName: string, factory: SequentialEventStoreFactory, options: SequentialEventStoreOptions): void => {
  describe(`${adapterName}: sequential event store (positions 1, 2, …)`, () => {
    let subject: SequentialEventStoreUnderTest;
    let store: SequentialEventStoreUnderTest['store'];
    const subscriptions: Subscription[] = [];
    const subscribe = (from: Position | null, streamPrefixes: string[]) => {
      const subscription = store.subscribeToAll({ from, streamPrefixes });
      subscriptions.push(subscription);
      return { subscription, iterator: subscription[Symbol.asyncIterator]() };
    };

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
      await subject.dispose();
    });

    it('numbers positions "1", "2", … across streams; an empty log has no head; both position forms compare', async () => {
      expect(await store.headPosition()).toBeNull();
      const a = orderStream();
      const b = orderStream();

      expect((await store.append(a.streamId, orderEvents(a.orderId, 2), 'no_stream')).position).toBe('2');
      expect((await store.append(b.streamId, [orderEvent(b.orderId, 0)], 'no_stream')).position).toBe('3');

      expect(await store.headPosition()).toBe('3');
      expect((await store.readAll({ after: null, maxCount: 10 })).map((event) => [event.position, event.streamId, event.revision])).toEqual([
        ['1', a.streamId, 0],
        ['2', a.streamId, 1],
        ['3', b.streamId, 0],
      ]);
      // EventStoreDB's commit/prepare form compares too ("2" is "2/2"): "2/1" is before "2", "2/3" after it.
      expect((await store.readAll({ after: '2/1', maxCount: 10 })).map((event) => event.position)).toEqual(['2', '3']);
      expect((await store.readAll({ after: '2/3', maxCount: 10 })).map((event) => event.position)).toEqual(['3']);
      expect(await store.readAll({ after: '18446744073709551615', maxCount: 10 })).toEqual([]);
      expect(await store.readAll({ after: null, maxCount: 0 })).toEqual([]);
    });

    it('a subscription from a position beyond the head (e.g. from a longer log) starts strictly after it', async () => {
      const { streamId, orderId } = orderStream();
      const { iterator } = subscribe('3', []);
      expect((await nextMessage(iterator)).kind).toBe('caught-up');
      expect((await nextMessage(subscribe('18446744073709551615', []).iterator)).kind).toBe('caught-up');

      await store.append(streamId, orderEvents(orderId, 4), 'no_stream'); // positions 1..4

      expect(await nextMessage(iterator)).toMatchObject({ kind: 'event', event: { position: '4', revision: 3 } });
    });

    it('reads backwards from beyond the end starting at the last event, forwards from beyond it nothing', async () => {
      const { streamId, orderId } = orderStream();
      await store.append(streamId, orderEvents(orderId, 6), 'no_stream');

      expect((await store.readStream(streamId, { direction: 'backwards', fromRevision: 10, maxCount: 2 })).map((event) => event.revision)).toEqual([5, 4]);
      expect(await store.readStream(streamId, { fromRevision: 10, maxCount: 2 })).toEqual([]);
    });

    it('an empty batch on a missing stream reports revision -1 at position "0" (before every event), and leaves no stream behind', async () => {
      const { streamId } = orderStream();
      expect(await store.append(streamId, [], 'any')).toEqual({ nextExpectedRevision: -1, position: '0' });
      expect(await store.append(streamId, [], 'no_stream')).toEqual({ nextExpectedRevision: -1, position: '0' });
      await expect(store.append(streamId, [], 'stream_exists')).rejects.toBeInstanceOf(ConcurrencyError);
      if (subject.storedStreams) expect(await subject.storedStreams()).toEqual([]);
    });

    it("is stricter than EventStoreDB with 'any': stored ids out of order or with gaps are a conflict, not a retry", async () => {
      // The server only checks that each id is somewhere in the stream (KurrentDB IndexWriter.CheckCommit); we require a consecutive run.
      const { streamId, orderId } = orderStream();
      const { e0, e1, e2 } = matrixEvents(orderId);
      await store.append(streamId, [e0, e1, e2], 'no_stream');

      await expect(store.append(streamId, [e0, e2], 'any')).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.append(streamId, [e1, e0], 'any')).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.append(streamId, [e1, e2], 'stream_exists')).toMatchObject({ nextExpectedRevision: 2 });
    });

    it("with 'any', an id stored twice (an append at the current revision) matches its newest copy first", async () => {
      const { streamId, orderId } = orderStream();
      const { e0, e1, e2 } = matrixEvents(orderId);
      await store.append(streamId, [e0, e1], 'no_stream');
      await store.append(streamId, [e0], 1);

      expect(await store.append(streamId, [e0], 'any')).toEqual({ nextExpectedRevision: 2, position: '3' });
      expect(await store.append(streamId, [e0, e1], 'any')).toEqual({ nextExpectedRevision: 1, position: '2' });

      // The same on a stream whose appends with ids out of order were refused (they took no position): e0 e1 e2 e0.
      const other = orderStream();
      await store.append(other.streamId, [e0, e1, e2], 'no_stream'); // positions 4..6
      await expect(store.append(other.streamId, [e0, e2], 'any')).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.append(other.streamId, [e1, e0], 'any')).rejects.toBeInstanceOf(ConcurrencyError);
      await store.append(other.streamId, [e0], 2); // 7
      expect(await store.append(other.streamId, [e0], 'any')).toEqual({ nextExpectedRevision: 3, position: '7' });
      expect(await store.append(other.streamId, [e0, e1], 'any')).toEqual({ nextExpectedRevision: 1, position: '5' });
    });

    it('rejects expected revisions and read options that are not revisions or counts, writing nothing', async () => {
      const { streamId, orderId } = orderStream();
      await expect(store.append(streamId, [orderEvent(orderId, 0)], -1 as ExpectedRevision)).rejects.toBeInstanceOf(RangeError);
      await expect(store.append(streamId, [orderEvent(orderId, 0)], 1.5)).rejects.toBeInstanceOf(RangeError);
      await expect(store.append('', [orderEvent(orderId, 0)], 'any')).rejects.toBeInstanceOf(RangeError);
      await expect(store.readStream(streamId, { fromRevision: -1 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.readAll({ maxCount: -1 })).rejects.toBeInstanceOf(RangeError);
      expect(await store.readStream(streamId)).toEqual([]);
      expect(await store.headPosition()).toBeNull();
    });

    it('a retry of any earlier successful batch with its original expected revision writes nothing and reports that batch (property)', async () => {
      const { numRuns, maxBatches, maxRetries } = options.retryProperty;
      type Expectation = 'any' | 'exact' | 'stream_exists';
      const plan = fc.array(fc.record({ stream: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 1, max: 3 }), expect: fc.constantFrom<Expectation>('any', 'exact', 'stream_exists') }), {
        minLength: 1,
        maxLength: maxBatches,
      });
      await fc.assert(
        // Fresh streams every run, on the test's store: the head before the retries is whatever earlier runs left.
        fc.asyncProperty(plan, fc.array(fc.nat(), { minLength: 1, maxLength: maxRetries }), async (batches, retryPicks) => {
          const streams = [orderStream(), orderStream(), orderStream()];
          const lengths = [0, 0, 0];
          const done: { streamId: string; events: NewEvent[]; expected: ExpectedRevision; revision: number; position: string }[] = [];
          for (const batch of batches) {
            const { streamId, orderId } = streams[batch.stream] as { streamId: string; orderId: string };
            const length = lengths[batch.stream] as number;
            const expected: ExpectedRevision = length === 0 ? 'no_stream' : batch.expect === 'exact' ? length - 1 : batch.expect;
            const events = orderEvents(orderId, batch.size, length);
            const result = await store.append(streamId, events, expected);
            lengths[batch.stream] = length + batch.size;
            done.push({ streamId, events, expected, revision: result.nextExpectedRevision, position: result.position });
          }
          const head = await store.headPosition();
          for (const pick of retryPicks) {
            const batch = done[pick % done.length] as (typeof done)[number];
            expect(await store.append(batch.streamId, batch.events, batch.expected)).toEqual({ nextExpectedRevision: batch.revision, position: batch.position });
          }
          expect(await store.headPosition()).toBe(head);
        }),
        { numRuns },
      );
    }, 30_000);

    it('upcasts stored v1 events on every read path: readStream, readAll and subscriptions', async () => {
      for (const file of ['OrderItemAdded.v1.json', 'CustomerRegistered.v1.json']) {
        const fixture = storedEventFixture(file);
        const fresh = await factory();
        try {
          const imported = await fresh.importStored(fixture.stored);
          expect(imported.map((event) => [event.eventId, event.streamId, event.revision])).toEqual(
            fixture.stored.map((event) => [event.eventId, event.streamId, event.revision]),
          );
          const expected = [...fixture.expected].sort((a, b) => a.eventId.localeCompare(b.eventId));

          const streams = [...new Set(fixture.stored.map((event) => event.streamId))];
          expect(decodedView((await Promise.all(streams.map((streamId) => fresh.store.readStream(streamId)))).flat())).toEqual(expected);
          expect(decodedView(await fresh.store.readAll({ after: null, maxCount: 100 }))).toEqual(expected);
          const subscription = fresh.store.subscribeToAll({ from: null, streamPrefixes: [] });
          const messages = await readUntilCaughtUp(subscription[Symbol.asyncIterator]());
          await subscription.close();
          expect(decodedView(messages.flatMap((message) => (message.kind === 'event' ? [message.event] : [])))).toEqual(expected);
        } finally {
          await fresh.dispose();
        }
      }
    });

    it('reports an event it cannot decode: undecodable in subscriptions (never dropped), CodecError on reads', async () => {
      const { streamId, orderId } = orderStream();
      await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
      const [broken] = await subject.importStored([
        { eventId: '0d5c1a2e-8f3b-4c7d-9e1a-2b3c4d5e6f70', type: 'OrderTeleported', streamId, data: {}, metadata: { ...testMetadata(), schemaVersion: 1 } },
      ]);
      await store.append(streamId, [orderEvent(orderId, 2)], 1);

      const { iterator } = subscribe(null, [streamId]);
      const history = await readUntilCaughtUp(iterator);
      expect(history.map(summary)).toEqual(['event 1', 'undecodable 2', 'event 3', 'caught-up']);
      expect(history.map((message) => (message.kind === 'event' || message.kind === 'undecodable' ? `${message.kind}@${message.event.revision}` : message.kind))).toEqual([
        'event@0',
        'undecodable@1',
        'event@2',
        'caught-up',
      ]);

      const error = await store.readStream(streamId).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CodecError);
      expect(error).toMatchObject({ eventId: (broken as StoredEvent).eventId, problem: 'unknown-type' });
    });

    it('is pull-based: decodes only the events a reader asked for', async () => {
      const { streamId, orderId } = orderStream();
      await store.append(streamId, orderEvents(orderId, 100), 'no_stream');
      const decoded = jest.spyOn(subject.codec, 'decodeOrReport');
      try {
        const { iterator } = subscribe(null, []);
        for (let i = 0; i < 3; i++) expect((await nextMessage(iterator)).kind).toBe('event');
        expect(decoded).toHaveBeenCalledTimes(3);
      } finally {
        decoded.mockRestore();
      }
    });

    it('several for-await loops can take turns on one subscription; closing the store ends them all', async () => {
      const { streamId, orderId } = orderStream();
      await store.append(streamId, orderEvents(orderId, 3), 'no_stream');
      const { subscription } = subscribe(null, [streamId]);
      const revisions: number[] = [];
      for await (const message of subscription) {
        if (message.kind === 'event') revisions.push(message.event.revision);
        if (revisions.length === 2) break;
      }
      for await (const message of subscription) {
        if (message.kind === 'event') revisions.push(message.event.revision);
        if (message.kind === 'caught-up') break;
      }
      expect(revisions).toEqual([0, 1, 2]);

      const pending = subscription[Symbol.asyncIterator]().next();
      await store.close();
      expect(await within(pending, 2_000, 'the end after store.close()')).toMatchObject({ done: true });
    });
  });
};
