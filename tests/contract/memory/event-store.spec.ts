import fc from 'fast-check';
import { CodecError, EventCodec, type StoredEvent } from '../../../src/adapters/codec';
import { EventLog } from '../../../src/adapters/memory/event-log';
import { CHECKPOINT_INTERVAL, MemoryEventStore } from '../../../src/adapters/memory/memory-event-store';
import { ConcurrencyError, type ExpectedRevision, type NewEvent, type RecordedEvent, type SubscriptionMessage } from '../../../src/application/ports';
import { storedEventFixture } from '../../fixtures/events/stored-events.fixture';
import { within } from '../../support/eventually';
import { matrixEvents, orderEvent, orderEvents, orderStream, testMetadata } from '../../support/new-events';
import { eventStoreContract } from '../event-store.contract';

// One codec for the file: compiling the schemas once keeps a fresh store per test cheap.
const codec = new EventCodec();

eventStoreContract('memory', async () => {
  const store = new MemoryEventStore(codec);
  return { store, dispose: () => store.close() };
});

const nextMessage = async (iterator: AsyncIterator<SubscriptionMessage>): Promise<SubscriptionMessage> => {
  const result = await within(iterator.next(), 2_000, 'a subscription message');
  if (result.done) throw new Error('the subscription ended');
  return result.value;
};

const readUntilCaughtUp = async (iterator: AsyncIterator<SubscriptionMessage>): Promise<SubscriptionMessage[]> => {
  const messages: SubscriptionMessage[] = [];
  for (;;) {
    const message = await nextMessage(iterator);
    messages.push(message);
    if (message.kind === 'caught-up') return messages;
  }
};

const decodedView = (event: RecordedEvent): { eventId: string; type: string; storedSchemaVersion: number; data: unknown } => ({
  eventId: event.eventId,
  type: event.type,
  storedSchemaVersion: event.storedSchemaVersion,
  data: event.data,
});

describe('MemoryEventStore, beyond the contract', () => {
  let store: MemoryEventStore;
  beforeEach(() => {
    store = new MemoryEventStore(codec);
  });
  afterEach(() => store.close());

  it('numbers positions "1", "2", … across streams; an empty log has no head', async () => {
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
    // EventStoreDB's "commit/prepare" form compares too: 2/1 is after 2, 2/3 before 3.
    expect((await store.readAll({ after: '2/1', maxCount: 10 })).map((event) => event.position)).toEqual(['2', '3']);
    expect((await store.readAll({ after: '2/3', maxCount: 10 })).map((event) => event.position)).toEqual(['3']);
    expect(await store.readAll({ after: '18446744073709551615', maxCount: 10 })).toEqual([]);
  });

  it('a subscription from a position beyond the head (e.g. from a longer log) starts strictly after it', async () => {
    const { streamId, orderId } = orderStream();
    const iterator = store.subscribeToAll({ from: '3', streamPrefixes: [] })[Symbol.asyncIterator]();
    expect((await nextMessage(iterator)).kind).toBe('caught-up');

    await store.append(streamId, orderEvents(orderId, 4), 'no_stream'); // positions 1..4

    expect(await nextMessage(iterator)).toMatchObject({ kind: 'event', event: { position: '4', revision: 3 } });
  });

  it('reads backwards from beyond the end starting at the last event, forwards from beyond it nothing', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 6), 'no_stream');

    expect((await store.readStream(streamId, { direction: 'backwards', fromRevision: 10, maxCount: 2 })).map((event) => event.revision)).toEqual([5, 4]);
    expect(await store.readStream(streamId, { fromRevision: 10, maxCount: 2 })).toEqual([]);
  });

  it('an empty batch on a missing stream reports revision -1 at position "0" (before every event)', async () => {
    expect(await store.append(orderStream().streamId, [], 'any')).toEqual({ nextExpectedRevision: -1, position: '0' });
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
    const { e0, e1 } = matrixEvents(orderId);
    await store.append(streamId, [e0, e1], 'no_stream');
    await store.append(streamId, [e0], 1);

    expect(await store.append(streamId, [e0], 'any')).toEqual({ nextExpectedRevision: 2, position: '3' });
    expect(await store.append(streamId, [e0, e1], 'any')).toEqual({ nextExpectedRevision: 1, position: '2' });
  });

  it('rejects expected revisions and read options that are not revisions or counts', async () => {
    const { streamId, orderId } = orderStream();
    await expect(store.append(streamId, [orderEvent(orderId, 0)], -1 as ExpectedRevision)).rejects.toBeInstanceOf(RangeError);
    await expect(store.append(streamId, [orderEvent(orderId, 0)], 1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(store.append('', [orderEvent(orderId, 0)], 'any')).rejects.toBeInstanceOf(RangeError);
    await expect(store.readStream(streamId, { fromRevision: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.readAll({ maxCount: -1 })).rejects.toBeInstanceOf(RangeError);
    expect(await store.readStream(streamId)).toEqual([]);
  });

  it('a retry of any earlier successful batch with its original expected revision writes nothing and reports that batch (property)', async () => {
    type Expectation = 'any' | 'exact' | 'stream_exists';
    const plan = fc.array(fc.record({ stream: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 1, max: 3 }), expect: fc.constantFrom<Expectation>('any', 'exact', 'stream_exists') }), {
      minLength: 1,
      maxLength: 12,
    });
    await fc.assert(
      fc.asyncProperty(plan, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), async (batches, retryPicks) => {
        const subject = new MemoryEventStore(codec);
        const streams = [orderStream(), orderStream(), orderStream()];
        const lengths = [0, 0, 0];
        const done: { streamId: string; events: NewEvent[]; expected: ExpectedRevision; revision: number }[] = [];
        for (const batch of batches) {
          const { streamId, orderId } = streams[batch.stream] as { streamId: string; orderId: string };
          const length = lengths[batch.stream] as number;
          const expected: ExpectedRevision =
            length === 0 ? 'no_stream' : batch.expect === 'exact' ? length - 1 : batch.expect;
          const events = orderEvents(orderId, batch.size, length);
          const result = await subject.append(streamId, events, expected);
          lengths[batch.stream] = length + batch.size;
          done.push({ streamId, events, expected, revision: result.nextExpectedRevision });
        }
        const head = await subject.headPosition();
        for (const pick of retryPicks) {
          const batch = done[pick % done.length] as (typeof done)[number];
          expect((await subject.append(batch.streamId, batch.events, batch.expected)).nextExpectedRevision).toBe(batch.revision);
        }
        expect(await subject.headPosition()).toBe(head);
      }),
      { numRuns: 60 },
    );
  });

  it('upcasts stored v1 events on every read path: readStream, readAll and subscriptions', async () => {
    for (const file of ['OrderItemAdded.v1.json', 'CustomerRegistered.v1.json']) {
      const fixture = storedEventFixture(file);
      const subject = new MemoryEventStore(codec);
      const imported = subject.importStored(fixture.stored);
      expect(imported.map((event) => [event.eventId, event.streamId, event.revision])).toEqual(
        fixture.stored.map((event) => [event.eventId, event.streamId, event.revision]),
      );
      const expected = [...fixture.expected].sort((a, b) => a.eventId.localeCompare(b.eventId));
      const sorted = (events: RecordedEvent[]): unknown[] => events.map(decodedView).sort((a, b) => a.eventId.localeCompare(b.eventId));

      const streams = [...new Set(fixture.stored.map((event) => event.streamId))];
      const byStream = (await Promise.all(streams.map((streamId) => subject.readStream(streamId)))).flat();
      expect(sorted(byStream)).toEqual(expected);

      expect(sorted(await subject.readAll({ after: null, maxCount: 100 }))).toEqual(expected);

      const subscription = subject.subscribeToAll({ from: null, streamPrefixes: [] });
      const messages = await readUntilCaughtUp(subscription[Symbol.asyncIterator]());
      await subscription.close();
      expect(sorted(messages.flatMap((message) => (message.kind === 'event' ? [message.event] : [])))).toEqual(expected);
    }
  });

  it('reports an event it cannot decode: undecodable in subscriptions (never dropped), CodecError on reads', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
    const [broken] = store.importStored([
      { eventId: '0d5c1a2e-8f3b-4c7d-9e1a-2b3c4d5e6f70', type: 'OrderTeleported', streamId, data: {}, metadata: { ...testMetadata(), schemaVersion: 1 } },
    ]);
    await store.append(streamId, [orderEvent(orderId, 2)], 1);

    const subscription = store.subscribeToAll({ from: null, streamPrefixes: [streamId] });
    const kinds = (await readUntilCaughtUp(subscription[Symbol.asyncIterator]())).map((message) =>
      message.kind === 'event' || message.kind === 'undecodable' ? `${message.kind}@${message.event.revision}` : message.kind,
    );
    expect(kinds).toEqual(['event@0', 'undecodable@1', 'event@2', 'caught-up']);

    const error = await store.readStream(streamId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toMatchObject({ eventId: (broken as StoredEvent).eventId, problem: 'unknown-type' });
  });

  it(`checkpoints every ${CHECKPOINT_INTERVAL} scanned entries, and at the head after entries the filter skipped`, async () => {
    const mine = orderStream();
    const noise = orderStream();
    await store.append(noise.streamId, orderEvents(noise.orderId, 40), 'no_stream'); // positions 1..40
    await store.append(mine.streamId, [orderEvent(mine.orderId, 0)], 'no_stream'); // 41
    await store.append(noise.streamId, orderEvents(noise.orderId, 30, 40), 39); // 42..71

    const subscription = store.subscribeToAll({ from: null, streamPrefixes: [mine.streamId] });
    const iterator = subscription[Symbol.asyncIterator]();
    const history = await readUntilCaughtUp(iterator);
    const summary = (message: SubscriptionMessage): string =>
      message.kind === 'checkpoint' ? `checkpoint ${message.position}` : message.kind === 'event' ? `event ${message.event.position}` : message.kind;
    expect(history.map(summary)).toEqual(['checkpoint 32', 'event 41', 'checkpoint 64', 'checkpoint 71', 'caught-up']);

    // Live: a skipped entry is followed by a checkpoint; a delivered one is its own progress report.
    await store.append(noise.streamId, [orderEvent(noise.orderId, 70)], 69); // 72
    expect(summary(await nextMessage(iterator))).toBe('checkpoint 72');
    await store.append(mine.streamId, [orderEvent(mine.orderId, 1)], 0); // 73
    expect(summary(await nextMessage(iterator))).toBe('event 73');
    const pending = iterator.next();
    await store.append(noise.streamId, [orderEvent(noise.orderId, 71)], 70); // 74
    expect(await within(pending, 2_000, 'the checkpoint after a skipped live entry')).toEqual({ done: false, value: { kind: 'checkpoint', position: '74' } });
  });

  it('is pull-based: decodes only the events a reader asked for', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 100), 'no_stream');
    const decoded = jest.spyOn(codec, 'decodeOrReport');
    try {
      const iterator = store.subscribeToAll({ from: null, streamPrefixes: [] })[Symbol.asyncIterator]();
      for (let i = 0; i < 3; i++) expect((await nextMessage(iterator)).kind).toBe('event');
      expect(decoded).toHaveBeenCalledTimes(3);
    } finally {
      decoded.mockRestore();
    }
  });

  it('several for-await loops can take turns on one subscription; close() on the store ends them all', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 3), 'no_stream');
    const subscription = store.subscribeToAll({ from: null, streamPrefixes: [streamId] });
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

  it('stores sharing one log see each other’s writes, live subscriptions included', async () => {
    const log = new EventLog();
    const writer = new MemoryEventStore(codec, { log });
    const reader = new MemoryEventStore(codec, { log });
    const { streamId, orderId } = orderStream();
    const iterator = reader.subscribeToAll({ from: null, streamPrefixes: [streamId] })[Symbol.asyncIterator]();
    expect((await nextMessage(iterator)).kind).toBe('caught-up');

    const [event] = orderEvents(orderId, 1);
    await writer.append(streamId, [event as NewEvent], 'no_stream');

    expect(await nextMessage(iterator)).toMatchObject({ kind: 'event', event: { eventId: event?.eventId, position: '1' } });
    expect(await reader.readStream(streamId)).toHaveLength(1);
    await reader.close();
  });
});
