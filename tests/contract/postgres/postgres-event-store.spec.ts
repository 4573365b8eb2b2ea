// The PostgreSQL event store beyond the shared contract: its positions, stored old versions decoded on
// every read path, paging and checkpoints of subscriptions, NOTIFY, connections, errors.
import fc from 'fast-check';
import { Pool } from 'pg';
import { CodecError, type StoredEvent } from '../../../src/adapters/codec';
import { createPostgresEventStore, PostgresEventStore } from '../../../src/adapters/postgres';
import {
  ConcurrencyError,
  StoreUnavailable,
  silentLogger,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
  type SubscriptionMessage,
} from '../../../src/application/ports';
import { storedEventFixture } from '../../fixtures/events/stored-events.fixture';
import { eventually, within } from '../../support/eventually';
import { itemAdded } from '../../support/domain-fixtures';
import { matrixEvents, newEvent, orderEvent, orderEvents, orderStream, testMetadata } from '../../support/new-events';
import { connect, freshSchema, postgresOptions, sharedCodec, withConnection } from '../../support/postgres';

const nextMessage = async (iterator: AsyncIterator<SubscriptionMessage>, ms = 5_000): Promise<SubscriptionMessage> => {
  const result = await within(iterator.next(), ms, 'a subscription message');
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

const summary = (message: SubscriptionMessage): string =>
  message.kind === 'checkpoint' ? `checkpoint ${message.position}` : message.kind === 'event' || message.kind === 'undecodable' ? `${message.kind} ${message.event.position}` : message.kind;

/** A store on a schema of its own (positions start at 1). */
const openFresh = async (label: string) => {
  const schema = freshSchema(label);
  const opened = await createPostgresEventStore(postgresOptions(schema));
  return { store: opened.eventStore as PostgresEventStore, close: opened.close, schema };
};

/** The n-th event of a long order history (quantities stay within the schema's 1..1000). */
const longHistoryEvent = (orderId: string, n: number): NewEvent => (n === 0 ? orderEvent(orderId, 0) : newEvent(itemAdded({ orderId, quantity: ((n - 1) % 1000) + 1 })));

/** Appends `count` events to one stream in batches of 100. */
const appendMany = async (store: PostgresEventStore, streamId: string, orderId: string, count: number, from = 0): Promise<void> => {
  for (let done = 0; done < count; done += 100) {
    const size = Math.min(100, count - done);
    const events = Array.from({ length: size }, (_, i) => longHistoryEvent(orderId, from + done + i));
    await store.append(streamId, events, from + done === 0 ? 'no_stream' : from + done - 1);
  }
};

describe('PostgresEventStore, beyond the contract', () => {
  let store: PostgresEventStore;
  let close: () => Promise<void>;
  let schema: string;
  const subscriptions: Subscription[] = [];
  const subscribe = (from: string | null, streamPrefixes: string[], on: PostgresEventStore = store) => {
    const subscription = on.subscribeToAll({ from, streamPrefixes });
    subscriptions.push(subscription);
    return { subscription, iterator: subscription[Symbol.asyncIterator]() };
  };

  beforeEach(async () => {
    ({ store, close, schema } = await openFresh('es'));
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    await close();
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
    expect((await store.readAll({ after: '2/1', maxCount: 10 })).map((event) => event.position)).toEqual(['2', '3']);
    expect((await store.readAll({ after: '2/3', maxCount: 10 })).map((event) => event.position)).toEqual(['3']);
    expect(await store.readAll({ after: '18446744073709551615', maxCount: 10 })).toEqual([]);
    expect(await store.readAll({ after: null, maxCount: 0 })).toEqual([]);
  });

  it('a subscription from a position beyond the head starts strictly after it', async () => {
    const { streamId, orderId } = orderStream();
    const { iterator } = subscribe('3', []);
    expect((await nextMessage(iterator)).kind).toBe('caught-up');
    expect((await nextMessage(subscribe('18446744073709551615', []).iterator)).kind).toBe('caught-up');

    await store.append(streamId, orderEvents(orderId, 4), 'no_stream');

    expect(await nextMessage(iterator)).toMatchObject({ kind: 'event', event: { position: '4', revision: 3 } });
  });

  it('reads backwards from beyond the end starting at the last event, forwards from beyond it nothing', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 6), 'no_stream');

    expect((await store.readStream(streamId, { direction: 'backwards', fromRevision: 10, maxCount: 2 })).map((event) => event.revision)).toEqual([5, 4]);
    expect(await store.readStream(streamId, { fromRevision: 10, maxCount: 2 })).toEqual([]);
  });

  it('an empty batch on a missing stream reports revision -1 at position "0", and leaves no stream behind', async () => {
    const { streamId } = orderStream();
    expect(await store.append(streamId, [], 'any')).toEqual({ nextExpectedRevision: -1, position: '0' });
    expect(await store.append(streamId, [], 'no_stream')).toEqual({ nextExpectedRevision: -1, position: '0' });
    await expect(store.append(streamId, [], 'stream_exists')).rejects.toBeInstanceOf(ConcurrencyError);
    const rows = await withConnection(async (client) => (await client.query(`SELECT * FROM "${schema}".streams`)).rows);
    expect(rows).toEqual([]);
  });

  it("with 'any', stored ids out of order or with gaps are a conflict; an id stored twice matches its newest copy first", async () => {
    const { streamId, orderId } = orderStream();
    const { e0, e1, e2 } = matrixEvents(orderId);
    await store.append(streamId, [e0, e1, e2], 'no_stream');

    await expect(store.append(streamId, [e0, e2], 'any')).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append(streamId, [e1, e0], 'any')).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.append(streamId, [e1, e2], 'stream_exists')).toMatchObject({ nextExpectedRevision: 2 });

    await store.append(streamId, [e0], 2);
    expect(await store.append(streamId, [e0], 'any')).toEqual({ nextExpectedRevision: 3, position: '4' });
    expect(await store.append(streamId, [e0, e1], 'any')).toEqual({ nextExpectedRevision: 1, position: '2' });
  });

  it('rejects expected revisions and read options that are not revisions or counts, writing nothing', async () => {
    const { streamId, orderId } = orderStream();
    await expect(store.append(streamId, [orderEvent(orderId, 0)], -1 as ExpectedRevision)).rejects.toBeInstanceOf(RangeError);
    await expect(store.append(streamId, [orderEvent(orderId, 0)], 1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(store.append('', [orderEvent(orderId, 0)], 'any')).rejects.toBeInstanceOf(RangeError);
    await expect(store.readStream(streamId, { fromRevision: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.readAll({ maxCount: -1 })).rejects.toBeInstanceOf(RangeError);
    expect(await store.headPosition()).toBeNull();
  });

  it('a retry of any earlier successful batch with its original expected revision writes nothing and reports that batch (property)', async () => {
    type Expectation = 'any' | 'exact' | 'stream_exists';
    const plan = fc.array(fc.record({ stream: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 1, max: 3 }), expect: fc.constantFrom<Expectation>('any', 'exact', 'stream_exists') }), {
      minLength: 1,
      maxLength: 10,
    });
    await fc.assert(
      fc.asyncProperty(plan, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), async (batches, retryPicks) => {
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
      { numRuns: 25 },
    );
  }, 30_000);

  it('upcasts stored v1 events on every read path: readStream, readAll and subscriptions', async () => {
    for (const file of ['OrderItemAdded.v1.json', 'CustomerRegistered.v1.json']) {
      const fixture = storedEventFixture(file);
      const { store: subject, close: closeSubject } = await openFresh('fixture');
      try {
        const imported = await subject.importStored(fixture.stored);
        expect(imported.map((event) => [event.eventId, event.streamId, event.revision])).toEqual(
          fixture.stored.map((event) => [event.eventId, event.streamId, event.revision]),
        );
        const expected = [...fixture.expected].sort((a, b) => a.eventId.localeCompare(b.eventId));
        const view = (events: RecordedEvent[]) =>
          events
            .map(({ eventId, type, storedSchemaVersion, data }) => ({ eventId, type, storedSchemaVersion, data }))
            .sort((a, b) => a.eventId.localeCompare(b.eventId));

        const streams = [...new Set(fixture.stored.map((event) => event.streamId))];
        expect(view((await Promise.all(streams.map((streamId) => subject.readStream(streamId)))).flat())).toEqual(expected);
        expect(view(await subject.readAll({ after: null, maxCount: 100 }))).toEqual(expected);
        const subscription = subject.subscribeToAll({ from: null, streamPrefixes: [] });
        const messages = await readUntilCaughtUp(subscription[Symbol.asyncIterator]());
        await subscription.close();
        expect(view(messages.flatMap((message) => (message.kind === 'event' ? [message.event] : [])))).toEqual(expected);
      } finally {
        await closeSubject();
      }
    }
  });

  it('reports an event it cannot decode: undecodable in subscriptions (never dropped), CodecError on reads', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
    const [broken] = await store.importStored([
      { eventId: '0d5c1a2e-8f3b-4c7d-9e1a-2b3c4d5e6f70', type: 'OrderTeleported', streamId, data: {}, metadata: { ...testMetadata(), schemaVersion: 1 } },
    ]);
    await store.append(streamId, [orderEvent(orderId, 2)], 1);

    const { iterator } = subscribe(null, [streamId]);
    expect((await readUntilCaughtUp(iterator)).map(summary)).toEqual(['event 1', 'undecodable 2', 'event 3', 'caught-up']);

    const error = await store.readStream(streamId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toMatchObject({ eventId: (broken as StoredEvent).eventId, problem: 'unknown-type' });
  });

  it('checkpoints report entries the filter skipped: in history, at the head, and live', async () => {
    const mine = orderStream();
    const noise = orderStream();
    await appendMany(store, noise.streamId, noise.orderId, 40); // 1..40
    await store.append(mine.streamId, [orderEvent(mine.orderId, 0)], 'no_stream'); // 41
    await appendMany(store, noise.streamId, noise.orderId, 30, 40); // 42..71

    const { iterator } = subscribe(null, [mine.streamId]);
    expect((await readUntilCaughtUp(iterator)).map(summary)).toEqual(['event 41', 'checkpoint 71', 'caught-up']);

    await store.append(noise.streamId, [orderEvent(noise.orderId, 70)], 69); // 72
    expect(summary(await nextMessage(iterator))).toBe('checkpoint 72');
    await store.append(mine.streamId, [orderEvent(mine.orderId, 1)], 0); // 73
    expect(summary(await nextMessage(iterator))).toBe('event 73');
  });

  it('pages through a long history (more than a page, read one page ahead) in order, then goes live', async () => {
    const { streamId, orderId } = orderStream();
    await appendMany(store, streamId, orderId, 1_234);

    const { iterator } = subscribe(null, [streamId]);
    const history = await readUntilCaughtUp(iterator);
    const positions = history.flatMap((message) => (message.kind === 'event' ? [Number(message.event.position)] : []));
    expect(positions).toEqual(Array.from({ length: 1_234 }, (_, i) => i + 1));

    await store.append(streamId, [longHistoryEvent(orderId, 1_234)], 1_233);
    expect(summary(await nextMessage(iterator))).toBe('event 1235');
  });

  it('a filter that matches little still reports progress window by window', async () => {
    const mine = orderStream();
    const noise = orderStream();
    await store.append(mine.streamId, [orderEvent(mine.orderId, 0)], 'no_stream'); // 1
    await appendMany(store, noise.streamId, noise.orderId, 10_100); // 2..10101
    await store.append(mine.streamId, [orderEvent(mine.orderId, 1)], 0); // 10102

    const { iterator } = subscribe(null, [mine.streamId]);
    expect((await readUntilCaughtUp(iterator)).map(summary)).toEqual(['event 1', 'checkpoint 10000', 'event 10102', 'checkpoint 10102', 'caught-up']);
  }, 30_000);

  it('is pull-based: decodes only the events a reader asked for', async () => {
    const { streamId, orderId } = orderStream();
    await store.append(streamId, orderEvents(orderId, 100), 'no_stream');
    const decoded = jest.spyOn(sharedCodec(), 'decodeOrReport');
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

  it("appends NOTIFY the schema's channel after they commit; another store's subscription gets them live", async () => {
    const listener = await connect();
    const other = await createPostgresEventStore(postgresOptions(schema));
    try {
      const notified = new Promise<string>((resolve) => listener.on('notification', (message) => resolve(message.channel)));
      await listener.query(`LISTEN "events:${schema}"`);
      const { streamId, orderId } = orderStream();
      const { iterator } = subscribe(null, [streamId], other.eventStore as PostgresEventStore);
      expect((await nextMessage(iterator)).kind).toBe('caught-up');

      await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');

      expect(await within(notified, 2_000, 'the NOTIFY')).toBe(`events:${schema}`);
      expect(await nextMessage(iterator, 2_000)).toMatchObject({ kind: 'event', event: { streamId } });
    } finally {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await other.close();
      await listener.end();
    }
  });

  it('holds one LISTEN connection while subscriptions run, and releases it when the last one closes', async () => {
    const listening = () =>
      withConnection(async (client) => Number((await client.query(`SELECT count(*) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "events:${schema}"`])).rows[0].count));
    const first = subscribe(null, []);
    const second = subscribe(null, []);
    await nextMessage(first.iterator);
    await nextMessage(second.iterator);
    await eventually(async () => expect(await listening()).toBe(1));

    await first.subscription.close();
    expect(await listening()).toBe(1);
    await second.subscription.close();
    await eventually(async () => expect(await listening()).toBe(0));
  });

  it('reports an unreachable server as StoreUnavailable; the health check says so', async () => {
    const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 1_000 });
    const unreachable = new PostgresEventStore(pool, sharedCodec(), { connectionString: 'postgres://postgres@127.0.0.1:1/test', schema: 'nowhere', logger: silentLogger });
    const { streamId, orderId } = orderStream();
    try {
      await expect(unreachable.append(streamId, [orderEvent(orderId, 0)], 'any')).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(unreachable.readStream(streamId)).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(unreachable.headPosition()).rejects.toBeInstanceOf(StoreUnavailable);
    } finally {
      await unreachable.close();
      await pool.end();
    }
    const healthy = await createPostgresEventStore(postgresOptions(freshSchema('health')));
    expect(await healthy.health.check()).toEqual({ ok: true });
    await healthy.close();
    expect((await healthy.health.check()).ok).toBe(false);
  });
});
