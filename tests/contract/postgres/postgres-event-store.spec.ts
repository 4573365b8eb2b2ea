// The PostgreSQL event store: the suite it shares with the memory store (positions 1, 2, …), then what
// only it does: paging and checkpoints of subscriptions, NOTIFY, connections, errors. The shared
// contract runs in event-store.spec.ts.
import { Pool } from 'pg';
import { createPostgresEventStore, PostgresEventStore } from '../../../src/adapters/postgres';
import { StoreUnavailable, silentLogger, type NewEvent, type Subscription } from '../../../src/application/ports';
import { eventually, within } from '../../support/eventually';
import { itemAdded } from '../../support/domain-fixtures';
import { newEvent, orderEvent, orderStream } from '../../support/new-events';
import { connect, freshSchema, postgresOptions, sharedCodec, withConnection } from '../../support/postgres';
import { nextMessage, readUntilCaughtUp, sequentialEventStoreContract, summary } from '../sequential-event-store.contract';

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

sequentialEventStoreContract(
  'postgres',
  async () => {
    const { store, close, schema } = await openFresh('seq');
    return {
      store,
      codec: sharedCodec(),
      importStored: (events) => store.importStored(events),
      storedStreams: () => withConnection(async (client) => (await client.query(`SELECT * FROM "${schema}".streams`)).rows),
      dispose: close,
    };
  },
  { retryProperty: { numRuns: 25, maxBatches: 10, maxRetries: 4 } },
);

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
