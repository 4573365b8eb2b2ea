// Writers racing from several pools (as several processes would): the expected-revision decision and the
// unique (stream, revision) constraint leave exactly one winner per revision, and positions stay unique
// and in revision order within a stream.
import { createPostgresEventStore } from '../../../src/adapters/postgres';
import { ConcurrencyError, comparePositions, type EventStore, type ExpectedRevision, type NewEvent } from '../../../src/application/ports';
import { orderEvent, orderStream } from '../../support/new-events';
import { freshSchema, postgresOptions } from '../../support/postgres';

const schema = freshSchema('race');
const POOLS = 4;
const PER_POOL = 10;

describe('PostgreSQL: racing writers across pools', () => {
  const stores: EventStore[] = [];
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    for (let i = 0; i < POOLS; i++) {
      const opened = await createPostgresEventStore(postgresOptions(schema, { poolSize: PER_POOL }));
      stores.push(opened.eventStore);
      closers.push(opened.close);
    }
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  /** Every pool sends PER_POOL appends at once; the i-th writer appends `events(i)` with `expected`. */
  const race = (streamId: string, expected: ExpectedRevision, events: (writer: number) => NewEvent[]) =>
    Promise.allSettled(
      Array.from({ length: POOLS * PER_POOL }, (_, writer) => (stores[writer % POOLS] as EventStore).append(streamId, events(writer), expected)),
    );

  const outcomes = (results: PromiseSettledResult<unknown>[]) => ({
    won: results.flatMap((result, writer) => (result.status === 'fulfilled' ? [writer] : [])),
    lost: results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])),
  });

  it(`${POOLS * PER_POOL} appends with the same exact revision: one wins, the others conflict with the winner's revision`, async () => {
    const { streamId, orderId } = orderStream();
    await stores[0]?.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
    const contenders = Array.from({ length: POOLS * PER_POOL }, (_, i) => [orderEvent(orderId, i + 1), orderEvent(orderId, i + 1)]);

    const { won, lost } = outcomes(await race(streamId, 0, (writer) => contenders[writer] as NewEvent[]));

    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(POOLS * PER_POOL - 1);
    for (const error of lost) {
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId, expectedRevision: 0, actualRevision: 2 });
    }
    const stored = await stores[1]?.readStream(streamId);
    expect(stored?.map((event) => event.eventId)).toEqual([stored?.[0]?.eventId, ...(contenders[won[0] as number] as NewEvent[]).map((event) => event.eventId)]);
  });

  it(`${POOLS * PER_POOL} creators of one new stream ('no_stream'): one wins`, async () => {
    const { streamId, orderId } = orderStream();
    const contenders = Array.from({ length: POOLS * PER_POOL }, () => [orderEvent(orderId, 0)]);

    const { won, lost } = outcomes(await race(streamId, 'no_stream', (writer) => contenders[writer] as NewEvent[]));

    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(POOLS * PER_POOL - 1);
    for (const error of lost) {
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId, expectedRevision: 'no_stream', actualRevision: 0 });
    }
    expect((await stores[2]?.readStream(streamId))?.map((event) => event.eventId)).toEqual([(contenders[won[0] as number] as NewEvent[])[0]?.eventId]);
  });

  it(`${POOLS * PER_POOL} appends with 'any' (the stream created in the race): all succeed, distinct revisions, positions in revision order`, async () => {
    const { streamId, orderId } = orderStream();
    const results = await race(streamId, 'any', (writer) => [orderEvent(orderId, writer === 0 ? 0 : writer), orderEvent(orderId, writer + 100)]);

    const revisions = results.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value.nextExpectedRevision;
    });
    expect([...revisions].sort((a, b) => a - b)).toEqual(Array.from({ length: POOLS * PER_POOL }, (_, i) => 2 * i + 1));
    const stored = (await stores[3]?.readStream(streamId)) ?? [];
    expect(stored.map((event) => event.revision)).toEqual(Array.from({ length: 2 * POOLS * PER_POOL }, (_, i) => i));
    stored.slice(1).forEach((event, i) => expect(comparePositions(event.position, (stored[i] as { position: string }).position)).toBe(1));
  });

  it('many writers retrying with exact revisions on a few streams (the command pipeline): every event lands once', async () => {
    const streams = Array.from({ length: 3 }, () => orderStream());
    const written = new Map<string, string[]>();
    const appendWithRetry = async (store: EventStore, stream: { streamId: string; orderId: string }) => {
      for (;;) {
        const [last] = await store.readStream(stream.streamId, { direction: 'backwards', maxCount: 1 });
        const revision = last?.revision ?? -1;
        const event = orderEvent(stream.orderId, revision + 1);
        try {
          await store.append(stream.streamId, [event], revision === -1 ? 'no_stream' : revision);
          written.set(stream.streamId, [...(written.get(stream.streamId) ?? []), event.eventId]);
          return;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
        }
      }
    };

    await Promise.all(
      Array.from({ length: POOLS * PER_POOL }, (_, writer) =>
        (async () => {
          for (let i = 0; i < 3; i++) await appendWithRetry(stores[writer % POOLS] as EventStore, streams[(writer + i) % streams.length] as { streamId: string; orderId: string });
        })(),
      ),
    );

    let total = 0;
    for (const { streamId } of streams) {
      const stored = (await stores[0]?.readStream(streamId)) ?? [];
      total += stored.length;
      expect(stored.map((event) => event.revision)).toEqual(stored.map((_, i) => i));
      expect([...stored.map((event) => event.eventId)].sort()).toEqual([...(written.get(streamId) ?? [])].sort());
    }
    expect(total).toBe(POOLS * PER_POOL * 3);
  }, 30_000);
});
