import { randomUUID } from 'node:crypto';
import { ANY, BACKWARDS, END, FORWARDS, NO_STREAM, START, STREAM_EXISTS, StreamNotFoundError, UnavailableError, type AppendToStreamOptions, type EventData } from '@eventstore/db-client';
import { CodecError } from '../../../src/adapters/codec';
import { createEventStoreDbEventStore, READ_ALL_PAGE_SIZE, toEsdbPosition, toPosition, validateConnectionString } from '../../../src/adapters/eventstoredb';
import { ConcurrencyError, comparePositions, silentLogger, StoreUnavailable, type ExpectedRevision } from '../../../src/application/ports';
import { eventually } from '../../support/eventually';
import { orderEvent, orderEvents, orderStream, testMetadata } from '../../support/new-events';
import { FakeEventStoreDb, rawGrpcError } from './fake-eventstoredb';
import { harness, type Harness } from './support';
import { rejectionOf } from '../../support/rejection';

describe('EventStoreDB event store over a client double', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  const appendOptions = (call = -1): AppendToStreamOptions => h.fake.callsOf('appendToStream').at(call)?.args[2] as AppendToStreamOptions;
  const appendedEvents = (call = -1): EventData[] => h.fake.callsOf('appendToStream').at(call)?.args[1] as EventData[];

  describe('append', () => {
    it.each<[ExpectedRevision, unknown]>([
      ['any', ANY],
      ['no_stream', NO_STREAM],
      ['stream_exists', STREAM_EXISTS],
      [0, 0n],
      [41, 41n],
    ])('maps expected revision %p to the client’s %p', async (expected, clientExpected) => {
      const { streamId, orderId } = orderStream();
      for (let i = 0; i <= (typeof expected === 'number' ? expected : expected === 'stream_exists' ? 0 : -1); i++) {
        h.fake.store(streamId, { id: randomUUID(), type: 'OrderCreated', data: {}, metadata: {}, isJson: true });
      }
      await h.eventStore.append(streamId, [orderEvent(orderId, 1)], expected);
      expect(appendOptions().expectedRevision).toBe(clientExpected);
    });

    it('refuses an expected revision that is not one before calling the server', async () => {
      const { streamId, orderId } = orderStream();
      await expect(h.eventStore.append(streamId, [orderEvent(orderId, 0)], -1)).rejects.toThrow(RangeError);
      await expect(h.eventStore.append(streamId, [orderEvent(orderId, 0)], 1.5)).rejects.toThrow(RangeError);
      expect(h.fake.callsOf('appendToStream')).toHaveLength(0);
    });

    it('passes the deterministic event ids, types and data to jsonEvent, and metadata with $correlationId / $causationId', async () => {
      const { streamId, orderId } = orderStream();
      const event = orderEvent(orderId, 0, { metadata: { correlationId: 'corr-7', causationId: 'cmd-7', actor: 'customer:7' } });

      await h.eventStore.append(streamId, [event], 'no_stream');

      const [sent] = appendedEvents();
      expect(sent).toEqual({
        id: event.eventId,
        contentType: 'application/json',
        type: 'OrderCreated',
        data: event.data,
        metadata: {
          correlationId: 'corr-7',
          causationId: 'cmd-7',
          actor: 'customer:7',
          occurredAt: testMetadata().occurredAt,
          schemaVersion: 1,
          $correlationId: 'corr-7',
          $causationId: 'cmd-7',
        },
      });
      // Read back, the $ fields are EventStoreDB's business: the event's metadata is the port's.
      const [read] = await h.eventStore.readStream(streamId);
      expect(read?.metadata).toEqual({ correlationId: 'corr-7', causationId: 'cmd-7', actor: 'customer:7', occurredAt: testMetadata().occurredAt });
    });

    it('writes nothing when an event does not encode (CodecError before any call)', async () => {
      const { streamId, orderId } = orderStream();
      const invalid = orderEvent(orderId, 1);
      (invalid.data as { quantity: number }).quantity = 0;

      await expect(h.eventStore.append(streamId, [orderEvent(orderId, 0), invalid], 'any')).rejects.toBeInstanceOf(CodecError);
      expect(h.fake.callsOf('appendToStream')).toHaveLength(0);
    });

    it('turns WrongExpectedVersionError into ConcurrencyError with the expected and actual revisions', async () => {
      const { streamId, orderId } = orderStream();
      await h.eventStore.append(streamId, orderEvents(orderId, 3), 'no_stream');

      const behind = await rejectionOf(h.eventStore.append(streamId, [orderEvent(orderId, 3)], 0));
      const onMissing = await rejectionOf(h.eventStore.append(orderStream().streamId, [orderEvent(orderId, 0)], 'stream_exists'));
      const exists = await rejectionOf(h.eventStore.append(streamId, [orderEvent(orderId, 3)], 'no_stream'));

      expect(behind).toBeInstanceOf(ConcurrencyError);
      expect(behind).toMatchObject({ streamId, expectedRevision: 0, actualRevision: 2 });
      expect(onMissing).toMatchObject({ expectedRevision: 'stream_exists', actualRevision: -1 });
      expect(exists).toMatchObject({ expectedRevision: 'no_stream', actualRevision: 2 });
    });

    it('reports the position of the last event; an idempotent success without a position reads the stored copy', async () => {
      const { streamId, orderId } = orderStream();
      const events = orderEvents(orderId, 3);
      const first = await h.eventStore.append(streamId, events, 'no_stream');
      const stored = await h.eventStore.readStream(streamId);
      expect(first).toEqual({ nextExpectedRevision: 2, position: stored[2]?.position });

      // The server answers a retry of events 0..1 with their last revision and, when it cannot read that copy, no position.
      h.fake.appendResults.push({ success: true, nextExpectedRevision: 1n, position: undefined });
      const retry = await h.eventStore.append(streamId, events.slice(0, 2), 'no_stream');

      expect(retry).toEqual({ nextExpectedRevision: 1, position: stored[1]?.position });
      expect(h.fake.callsOf('readStream').at(-1)?.args[1]).toMatchObject({ fromRevision: 1n, maxCount: 1, direction: FORWARDS });
    });

    it('a `success: false` result (throwOnAppendFailure off) is still a conflict', async () => {
      h.fake.appendResults.push({ success: false, nextExpectedRevision: 1n });
      const { streamId, orderId } = orderStream();

      await expect(h.eventStore.append(streamId, [orderEvent(orderId, 0)], 'no_stream')).rejects.toBeInstanceOf(ConcurrencyError);
    });

    it('an empty batch checks the expected revision with a read and calls no append', async () => {
      const { streamId, orderId } = orderStream();
      expect(await h.eventStore.append(streamId, [], 'any')).toEqual({ nextExpectedRevision: -1, position: '0' });
      expect(await h.eventStore.append(streamId, [], 'no_stream')).toEqual({ nextExpectedRevision: -1, position: '0' });
      await expect(h.eventStore.append(streamId, [], 'stream_exists')).rejects.toMatchObject({ actualRevision: -1 });

      await h.eventStore.append(streamId, orderEvents(orderId, 2), 'no_stream');
      const last = (await h.eventStore.readStream(streamId)).at(-1);
      expect(await h.eventStore.append(streamId, [], 1)).toEqual({ nextExpectedRevision: 1, position: last?.position });
      expect((await h.eventStore.append(streamId, [], 'stream_exists')).nextExpectedRevision).toBe(1);
      await expect(h.eventStore.append(streamId, [], 0)).rejects.toMatchObject({ expectedRevision: 0, actualRevision: 1 });
      await expect(h.eventStore.append(streamId, [], 'no_stream')).rejects.toBeInstanceOf(ConcurrencyError);
      expect(h.fake.callsOf('appendToStream')).toHaveLength(1);
    });
  });

  describe('an unreachable or silent server', () => {
    it('a raw gRPC error with code 14 (not an UnavailableError) becomes StoreUnavailable', async () => {
      h.fake.failNext('appendToStream', rawGrpcError(14, 'UNAVAILABLE: No connection established'));
      const { streamId, orderId } = orderStream();

      const error = await rejectionOf(h.eventStore.append(streamId, [orderEvent(orderId, 0)], 'any'));

      expect(error).toBeInstanceOf(StoreUnavailable);
      expect((error as StoreUnavailable).store).toBe('EventStoreDB');
      expect((error as Error).message).toContain('No connection established');
    });

    it('UnavailableError (also when it surfaces while reading) becomes StoreUnavailable', async () => {
      h.fake.failNext('readStream', new UnavailableError(undefined, 'server gone'));
      await expect(h.eventStore.readStream(orderStream().streamId)).rejects.toBeInstanceOf(StoreUnavailable);

      h.fake.failNext('readAll', new UnavailableError(undefined, 'server gone'));
      await expect(h.eventStore.headPosition()).rejects.toBeInstanceOf(StoreUnavailable);
    });

    it('other errors pass through unchanged', async () => {
      const boom = new Error('boom');
      h.fake.failNext('appendToStream', boom);
      const { streamId, orderId } = orderStream();

      await expect(h.eventStore.append(streamId, [orderEvent(orderId, 0)], 'any')).rejects.toBe(boom);
    });

    it('a call that never answers fails with StoreUnavailable after the timeout; the stuck client is replaced and disposed', async () => {
      h = harness({ timeoutMs: 50 });
      h.fake.failNext('appendToStream', 'hang');
      const stuck = h.fake;
      const { streamId, orderId } = orderStream();

      const started = Date.now();
      const error = await rejectionOf(h.eventStore.append(streamId, [orderEvent(orderId, 0)], 'any'));

      expect(error).toBeInstanceOf(StoreUnavailable);
      expect((error as Error).message).toMatch(/no answer within 50 ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      expect(h.clients).toHaveLength(2);
      expect(stuck.disposed).toBe(true);
      expect(h.logger.lines.map((line) => line.message)).toContain('replacing the EventStoreDB client');
      // The next call goes to the fresh client and succeeds.
      expect((await h.eventStore.append(streamId, [orderEvent(orderId, 0)], 'no_stream')).nextExpectedRevision).toBe(0);
      expect(h.fake).not.toBe(stuck);
    });

    it('a read that never answers is cancelled when the time is up', async () => {
      h = harness({ timeoutMs: 50 });
      h.fake.failNext('readStream', 'hang');
      const stuck = h.fake;

      await expect(h.eventStore.readStream(orderStream().streamId)).rejects.toBeInstanceOf(StoreUnavailable);

      expect(stuck.callsOf('readStream')).toHaveLength(1);
      await eventually(() => expect(stuck.reads[0]?.cancelled).toBe(true));
      expect(h.clients).toHaveLength(2);
    });

    it('after close() every call fails with StoreUnavailable and the client is disposed', async () => {
      const client = h.fake;
      await h.close();

      expect(client.disposed).toBe(true);
      await expect(h.eventStore.readStream(orderStream().streamId)).rejects.toBeInstanceOf(StoreUnavailable);
    });
  });

  describe('reading a stream', () => {
    it('a missing stream reads as []: StreamNotFoundError surfaces only while iterating', async () => {
      const missing = orderStream().streamId;
      // The double behaves as the client does: the call returns a stream, the error comes from the iteration.
      const lazy = h.fake.readStream(missing);
      await expect((async () => {
        for await (const event of lazy) void event;
      })()).rejects.toBeInstanceOf(StreamNotFoundError);

      expect(await h.eventStore.readStream(missing)).toEqual([]);
      expect(await h.eventStore.readStream(missing, { direction: 'backwards', maxCount: 3 })).toEqual([]);
      // readStream itself returned a stream: the not-found came as a message of the read, then an error of the iteration.
      expect(h.fake.callsOf('readStream')).toHaveLength(3);
    });

    it('maps direction, fromRevision and maxCount to the client', async () => {
      const { streamId, orderId } = orderStream();
      await h.eventStore.append(streamId, orderEvents(orderId, 6), 'no_stream');

      expect((await h.eventStore.readStream(streamId, { fromRevision: 2, maxCount: 3 })).map((e) => e.revision)).toEqual([2, 3, 4]);
      expect((await h.eventStore.readStream(streamId, { direction: 'backwards', maxCount: 2 })).map((e) => e.revision)).toEqual([5, 4]);
      expect(await h.eventStore.readStream(streamId, { maxCount: 0 })).toEqual([]);

      const args = h.fake.callsOf('readStream').map((call) => call.args[1]);
      expect(args[0]).toMatchObject({ direction: FORWARDS, fromRevision: 2n, maxCount: 3 });
      expect(args[1]).toMatchObject({ direction: BACKWARDS, fromRevision: END, maxCount: 2 });
      expect(args).toHaveLength(2); // maxCount 0 asks nothing
    });

    it('reads the origin (first event) raw, for the upcasters', async () => {
      const { streamId, orderId } = orderStream();
      const events = orderEvents(orderId, 2);
      await h.eventStore.append(streamId, events, 'no_stream');

      const origin = await h.eventStore.readOrigin(streamId);

      expect(origin).toMatchObject({ eventId: events[0]?.eventId, type: 'OrderCreated', revision: 0, metadata: expect.objectContaining({ $correlationId: 'test-correlation', schemaVersion: 1 }) });
      expect(h.fake.callsOf('readStream').at(-1)?.args[1]).toMatchObject({ fromRevision: START, maxCount: 1 });
      expect(await h.eventStore.readOrigin(orderStream().streamId)).toBeUndefined();
    });
  });

  describe('positions', () => {
    it('round-trip as "<commit>/<prepare>" strings, exactly, above 2^53', async () => {
      const commit = 2n ** 60n + 7n;
      const prepare = 2n ** 60n + 3n;
      const position = toPosition({ commit, prepare });

      expect(position).toBe(`${commit}/${prepare}`);
      expect(toEsdbPosition(position)).toEqual({ commit, prepare });
      expect(toPosition({ commit, prepare: commit })).toBe(commit.toString());
      expect(toEsdbPosition(commit.toString())).toEqual({ commit, prepare: commit });
      expect(JSON.parse(JSON.stringify({ position }))).toEqual({ position });
    });

    it('appends and reads report positions beyond 2^53 as exact strings', async () => {
      h = harness({ make: () => new FakeEventStoreDb({ basePosition: 2n ** 60n }) });
      const { streamId, orderId } = orderStream();

      const { position } = await h.eventStore.append(streamId, orderEvents(orderId, 2), 'no_stream');
      const read = await h.eventStore.readAll({ after: null, maxCount: 10 });

      expect(position).toBe((2n ** 60n + 100n).toString());
      expect(read.map((event) => event.position)).toEqual([(2n ** 60n).toString(), (2n ** 60n + 100n).toString()]);
      expect(await h.eventStore.headPosition()).toBe(position);
      expect(comparePositions(read[1]?.position as string, read[0]?.position as string)).toBe(1);
    });
  });

  describe('reading $all', () => {
    it('always asks with a max count, starts strictly after `after`, filters prefixes client-side and skips system and snapshot streams', async () => {
      const a = orderStream();
      const b = orderStream();
      const first = await h.eventStore.append(a.streamId, [orderEvent(a.orderId, 0)], 'no_stream');
      h.fake.store('$ce-order', { id: randomUUID(), type: '$>', data: new Uint8Array(), metadata: undefined, isJson: false });
      h.fake.store(`snapshot-${a.streamId}`, { id: randomUUID(), type: 'AggregateSnapshot', data: {}, metadata: undefined, isJson: true });
      await h.eventStore.append(b.streamId, [orderEvent(b.orderId, 0)], 'no_stream');
      await h.eventStore.append(a.streamId, [orderEvent(a.orderId, 1)], 0);

      const all = await h.eventStore.readAll({ after: first.position, maxCount: 10 });
      const onlyA = await h.eventStore.readAll({ after: null, maxCount: 10, streamPrefixes: [a.streamId] });

      expect(all.map((e) => [e.streamId, e.revision])).toEqual([
        [b.streamId, 0],
        [a.streamId, 1],
      ]);
      expect(onlyA.map((e) => e.revision)).toEqual([0, 1]);
      const calls = h.fake.callsOf('readAll').map((call) => call.args[0] as { maxCount?: number; fromPosition?: unknown });
      expect(calls.every((options) => typeof options.maxCount === 'number')).toBe(true);
      expect(calls[0]?.fromPosition).toEqual(toEsdbPosition(first.position));
    });

    it('pages through $all until it has maxCount matching events', async () => {
      const noise = orderStream();
      const mine = orderStream();
      const total = READ_ALL_PAGE_SIZE + 20;
      for (let i = 0; i < total; i++) h.fake.store(noise.streamId, { id: randomUUID(), type: 'OrderItemAdded', data: {}, metadata: {}, isJson: true });
      await h.eventStore.append(mine.streamId, orderEvents(mine.orderId, 3), 'no_stream');

      const read = await h.eventStore.readAll({ after: null, maxCount: 2, streamPrefixes: [mine.streamId] });

      expect(read.map((e) => e.revision)).toEqual([0, 1]);
      expect(h.fake.callsOf('readAll')).toHaveLength(2);
    });

    it('headPosition reads $all backwards, one event; null for an empty log', async () => {
      expect(await h.eventStore.headPosition()).toBeNull();
      const { streamId, orderId } = orderStream();
      const { position } = await h.eventStore.append(streamId, orderEvents(orderId, 2), 'no_stream');

      expect(await h.eventStore.headPosition()).toBe(position);
      expect(h.fake.callsOf('readAll').at(-1)?.args[0]).toEqual({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    });
  });

  describe('health', () => {
    it('reports ok with the head, or not ok with the reason', async () => {
      expect(await h.health.check()).toEqual({ ok: true, detail: 'reachable, empty log' });
      h.fake.failNext('readAll', rawGrpcError(14, 'UNAVAILABLE: connect ECONNREFUSED'));

      const report = await h.health.check();

      expect(report.ok).toBe(false);
      expect(report.detail).toContain('ECONNREFUSED');
      expect(h.health.name).toBe('eventstoredb');
    });
  });
});

describe('EventStoreDB connection strings', () => {
  it('accepts esdb:// and esdb+discover://', () => {
    expect(validateConnectionString(' esdb://localhost:2113?tls=false ')).toBe('esdb://localhost:2113?tls=false');
    expect(validateConnectionString('esdb+discover://cluster.example:2113')).toBe('esdb+discover://cluster.example:2113');
  });

  it('rejects other schemes, naming kurrentdb:// explicitly, and throwOnAppendFailure=false', () => {
    expect(() => validateConnectionString('kurrentdb://localhost:2113?tls=false')).toThrow(/kurrentdb:\/\/ needs @kurrent\/kurrentdb-client/);
    expect(() => validateConnectionString('http://localhost:2113')).toThrow(/esdb:\/\/ or esdb\+discover:\/\//);
    expect(() => validateConnectionString('localhost:2113')).toThrow(/esdb:\/\//);
    expect(() => validateConnectionString('esdb://localhost:2113?tls=false&throwOnAppendFailure=false')).toThrow(/throwOnAppendFailure/);
  });

  it('createEventStoreDbEventStore refuses a bad connection string and connects lazily to a good one', async () => {
    await expect(createEventStoreDbEventStore({ connectionString: 'kurrentdb://x:2113', timeoutMs: 100, logger: silentLogger })).rejects.toThrow(/esdb:\/\//);

    const adapters = await createEventStoreDbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false', timeoutMs: 1_000, logger: silentLogger });
    try {
      expect(adapters.snapshots).not.toBeNull();
      expect(typeof adapters.eventStore.subscribeToAll).toBe('function');
    } finally {
      await adapters.close();
    }
  });
});
