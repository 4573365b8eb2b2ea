// The PostgreSQL adapter against raw SQL doing the same writes: same payload, same run, rounds of the
// two interleaved (the median of each side is reported, so a noisy neighbour hurts both alike).
// Target for every row: at least half the raw rate.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { createPostgresEventStore, createPostgresReadStore } from '../src/adapters/postgres';
import { MemoryCheckpointStore } from '../src/adapters/memory/memory-checkpoint-store';
import { MemoryParkedEventStore } from '../src/adapters/memory/memory-parked-event-store';
import { noMetrics, rebuildCopyOf, silentLogger, type DocumentWrite, type EventStore, type NewEvent, type ReadModelStore, type RecordedEvent } from '../src/application/ports';
import { CatchUpProjectionRunner } from '../src/application/projections/catch-up-runner';
import { orderListProjection } from '../src/application/projections/order-list.projection';
import { ProjectionProgress } from '../src/application/projections/projection-progress';
import { collections, type OrderListDocument } from '../src/application/projections/read-models';
import { itemAdded, orderCreated, orderSubmitted } from '../tests/support/domain-fixtures';
import { newEvent } from '../tests/support/new-events';
import { PAGE_SIZE } from '../src/adapters/postgres/postgres-subscription';
import { freshSchema, postgresOptions, sharedCodec, testDatabaseUrl } from '../tests/support/postgres';
import { report, row, type BenchRow } from './support/results';

const TARGET = 0.5;
const ROUNDS = 3;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Operations per second of `op`, run `total` times by `concurrency` loops. */
const rate = async (total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> => {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await op(i);
    }),
  );
  return total / ((performance.now() - started) / 1000);
};

/** Interleaves rounds of the baseline and the subject (after one warm-up round each); medians of both. */
const compare = async (measureRaw: () => Promise<number>, measureAdapter: () => Promise<number>): Promise<{ raw: number; adapter: number }> => {
  await measureRaw();
  await measureAdapter();
  const raw: number[] = [];
  const adapter: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await measureRaw());
    adapter.push(await measureAdapter());
  }
  return { raw: median(raw), adapter: median(adapter) };
};

const placeholders = (rows: number, columns: number): string =>
  Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`).join(', ');

const orderHistory = (orderId: string, items: number): NewEvent[] => [
  newEvent(orderCreated({ orderId })),
  ...Array.from({ length: items }, (_, i) => newEvent(itemAdded({ orderId, productId: randomUUID(), quantity: i + 1 }))),
  newEvent({ ...orderSubmitted(), data: { ...orderSubmitted().data, orderId } }),
];

describe('PostgreSQL adapter vs raw SQL', () => {
  const rows: BenchRow[] = [];
  let pool: Pool;

  beforeAll(() => {
    pool = new Pool({ connectionString: testDatabaseUrl(), max: 16 });
  });
  afterAll(async () => {
    report('PostgreSQL adapter vs raw SQL (ratio = adapter / raw)', rows);
    await pool.end();
  });

  describe('appends', () => {
    const schema = freshSchema('bench_append');
    let eventStore: EventStore;
    let close: () => Promise<void>;
    const RAW_COLUMNS = 'stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at';
    /** The same encoded event (validated, version stamped) as the adapter writes, as raw column values. */
    const rawValues = (streamId: string, revision: number, event: NewEvent): unknown[] => {
      const encoded = sharedCodec().encode(event);
      return [streamId, revision, encoded.eventId, encoded.type, encoded.metadata.schemaVersion, JSON.stringify(encoded.data), JSON.stringify(encoded.metadata), encoded.metadata.occurredAt];
    };

    beforeAll(async () => {
      ({ eventStore, close } = await createPostgresEventStore(postgresOptions(schema, { poolSize: 16 })));
      // Shaped like `events`: the same columns, constraints and indexes; the position from a bigserial.
      await pool.query(`CREATE TABLE "${schema}".raw_events (
        position bigserial PRIMARY KEY, stream_id text COLLATE "C" NOT NULL, revision bigint NOT NULL, event_id uuid NOT NULL,
        type text NOT NULL, schema_version integer NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, occurred_at timestamptz NOT NULL,
        UNIQUE (stream_id, revision))`);
      await pool.query(`CREATE INDEX ON "${schema}".raw_events (stream_id, event_id)`);
    });
    afterAll(() => close());

    for (const concurrency of [1, 16]) {
      it(`single-event append vs a raw single-row INSERT, concurrency ${concurrency}`, async () => {
        const total = concurrency === 1 ? 500 : 1_500;
        const event = newEvent(orderCreated());
        const { raw, adapter } = await compare(
          () =>
            rate(total, concurrency, () =>
              pool.query(`INSERT INTO "${schema}".raw_events (${RAW_COLUMNS}) VALUES ${placeholders(1, 8)}`, rawValues(`order-${randomUUID()}`, 0, event)),
            ),
          () => rate(total, concurrency, () => eventStore.append(`order-${randomUUID()}`, [event], 'no_stream')),
        );
        rows.push(row(`postgres append 1 event, concurrency ${concurrency}`, adapter, 'appends/s', raw, TARGET));
        expect(adapter).toBeGreaterThan(0);
      });
    }

    it('100-event append vs a raw 100-row multi-row INSERT', async () => {
      const batch = orderHistory(randomUUID(), 98);
      const { raw, adapter } = await compare(
        () =>
          rate(50, 1, () => {
            const streamId = `order-${randomUUID()}`;
            return pool.query(`INSERT INTO "${schema}".raw_events (${RAW_COLUMNS}) VALUES ${placeholders(100, 8)}`, batch.flatMap((event, r) => rawValues(streamId, r, event)));
          }),
        () => rate(50, 1, () => eventStore.append(`order-${randomUUID()}`, batch, 'no_stream')),
      );
      rows.push(row('postgres append 100 events', adapter * 100, 'events/s', raw * 100, TARGET));
      expect(adapter).toBeGreaterThan(0);
    });
  });

  describe('projection rebuild', () => {
    const ORDERS = 2_000;
    const schema = freshSchema('bench_rebuild');
    let eventStore: EventStore;
    let readModels: ReadModelStore;
    let closeAll: () => Promise<void>;

    beforeAll(async () => {
      const events = await createPostgresEventStore(postgresOptions(schema));
      const reads = await createPostgresReadStore(postgresOptions(schema));
      eventStore = events.eventStore;
      readModels = reads.readModels;
      closeAll = async () => {
        await events.close();
        await reads.close();
      };
      // Orders of 5 events (created, 3 items, submitted): 10 000 events, 2 000 order-list documents.
      for (let i = 0; i < ORDERS; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, () => {
            const orderId = randomUUID();
            return eventStore.append(`order-${orderId}`, orderHistory(orderId, 3), 'no_stream');
          }),
        );
      }
      await pool.query(`CREATE TABLE "${schema}".raw_documents (id text COLLATE "C" PRIMARY KEY, position text NOT NULL, data jsonb NOT NULL)`);
    });
    afterAll(() => closeAll());

    /** Runs a rebuild of the order list; returns its duration and every commit it made (the writes, in order). */
    const rebuild = async (): Promise<{ seconds: number; commits: DocumentWrite[][] }> => {
      const commits: DocumentWrite[][] = [];
      const recording: ReadModelStore = Object.create(readModels, {
        commit: { value: (writes: readonly DocumentWrite[], checkpoint: Parameters<ReadModelStore['commit']>[1]) => (commits.push([...writes]), readModels.commit(writes, checkpoint)) },
      }) as ReadModelStore;
      const checkpoints = new MemoryCheckpointStore();
      const runner = new CatchUpProjectionRunner(orderListProjection, {
        eventStore,
        readModels: recording,
        checkpoints,
        parked: new MemoryParkedEventStore(),
        progress: new ProjectionProgress(checkpoints),
        clock: { now: () => new Date() },
        logger: silentLogger,
        metrics: noMetrics,
        owner: 'bench',
      });
      const started = performance.now();
      runner.start();
      await runner.rebuild();
      const seconds = (performance.now() - started) / 1000;
      await runner.stop();
      return { seconds, commits };
    };

    /** The documents of `commits`, upserted raw: one multi-row INSERT … ON CONFLICT per commit, as the rebuild committed them. */
    const rawUpsert = async (commits: readonly DocumentWrite[][]): Promise<number> => {
      await pool.query(`TRUNCATE "${schema}".raw_documents`);
      let documents = 0;
      const started = performance.now();
      for (const writes of commits) {
        const puts = writes.filter((write): write is Extract<DocumentWrite, { kind: 'put' }> => write.kind === 'put');
        if (puts.length === 0) continue;
        documents += puts.length;
        await pool.query(
          `INSERT INTO "${schema}".raw_documents (id, position, data) VALUES ${placeholders(puts.length, 3)}
           ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position, data = EXCLUDED.data`,
          puts.flatMap((put) => [put.id, put.position, JSON.stringify(put.data)]),
        );
      }
      return documents / ((performance.now() - started) / 1000);
    };

    it('projection rebuild vs a raw multi-row upsert of the same documents', async () => {
      let commits: DocumentWrite[][] = [];
      const { raw, adapter } = await compare(
        () => rawUpsert(commits),
        async () => {
          const run = await rebuild();
          commits = run.commits;
          return (await readModels.count(collections.orderList)) / run.seconds;
        },
      );
      expect(await readModels.count(collections.orderList)).toBe(ORDERS);
      rows.push(row('postgres projection rebuild (order list, 5 events per order)', adapter, 'documents/s', raw, TARGET));

      // The store's share of it: the rebuild's very commits replayed into a fresh copy (guards, checkpoint in the transaction).
      const replay = await compare(
        () => rawUpsert(commits),
        async () => {
          const copy = rebuildCopyOf(collections.orderList);
          await readModels.resetCollections([copy, rebuildCopyOf(collections.orderListCustomers)]);
          let documents = 0;
          const started = performance.now();
          for (const [i, writes] of commits.entries()) {
            documents += writes.filter((write) => write.kind === 'put').length;
            await readModels.commit(
              writes.map((write) => ({ ...write, collection: rebuildCopyOf(write.collection.replace(/__rebuild$/, '')) })),
              { projection: 'bench__rebuild', position: String(i + 1) },
            );
          }
          return documents / ((performance.now() - started) / 1000);
        },
      );
      rows.push(row('postgres rebuild commits (the store alone)', replay.adapter, 'documents/s', replay.raw, TARGET));
      expect(replay.adapter).toBeGreaterThan(0);

      // The other share: reading and decoding the events the rebuild folds (a subscription from the start to
      // caught-up, nothing applied), as documents per second of the rebuild it would allow — against the raw
      // upsert, and against raw paged SELECTs of the same rows (no gap-safe horizon, no decoding).
      const subscribe = async (): Promise<number> => {
        const started = performance.now();
        const subscription = eventStore.subscribeToAll({ from: null, streamPrefixes: ['order-'] });
        let events = 0;
        for await (const message of subscription) {
          if (message.kind === 'caught-up') break;
          if (message.kind === 'event') events++;
        }
        await subscription.close();
        expect(events).toBe(ORDERS * 5);
        return ORDERS / ((performance.now() - started) / 1000);
      };
      const rawSelect = async (): Promise<number> => {
        const started = performance.now();
        let events = 0;
        for (let after = '0'; ; ) {
          const { rows: page } = await pool.query<{ position: string }>(
            `SELECT position, stream_id, revision, event_id, type, data, metadata FROM "${schema}".events
              WHERE position > $1 AND stream_id LIKE 'order-%' ORDER BY position LIMIT ${PAGE_SIZE}`,
            [after],
          );
          events += page.length;
          if (page.length < PAGE_SIZE) break;
          after = (page.at(-1) as { position: string }).position;
        }
        expect(events).toBe(ORDERS * 5);
        return ORDERS / ((performance.now() - started) / 1000);
      };
      // The least a rebuild must do, in raw SQL: page through the same events, fold them with the projection's
      // own evolve (no decoding, validation, guards, checkpoints or indexes), upsert the documents each page
      // touched — pipelined like the runner: the next page is read, and a page folded, while the last upsert runs.
      type EventRow = { position: string; stream_id: string; type: string; data: unknown; metadata: unknown };
      const rawRebuild = async (): Promise<number> => {
        await pool.query(`TRUNCATE "${schema}".raw_documents`);
        const started = performance.now();
        const documents = new Map<string, { data: OrderListDocument; position: string }>();
        const page = (after: string) =>
          pool.query<EventRow>(
            `SELECT position, stream_id, revision, event_id, type, data, metadata FROM "${schema}".events
              WHERE position > $1 AND stream_id LIKE 'order-%' ORDER BY position LIMIT 2000`,
            [after],
          );
        let reading = page('0');
        let writing: Promise<unknown> = Promise.resolve();
        for (;;) {
          const { rows: events } = await reading;
          if (events.length === 2000) reading = page((events.at(-1) as EventRow).position);
          const touched = new Set<string>();
          for (const stored of events) {
            const event = { type: stored.type, data: stored.data, metadata: stored.metadata, streamId: stored.stream_id, position: stored.position } as unknown as RecordedEvent;
            const id = orderListProjection.documentId(event);
            const data = id === null ? null : orderListProjection.evolve(documents.get(id)?.data ?? null, event, null);
            if (id === null || data === null) continue;
            documents.set(id, { data, position: stored.position });
            touched.add(id);
          }
          await writing;
          if (touched.size > 0) {
            const puts = [...touched].map((id) => ({ id, ...(documents.get(id) as { data: OrderListDocument; position: string }) }));
            writing = pool.query(
              `INSERT INTO "${schema}".raw_documents (id, position, data) VALUES ${placeholders(puts.length, 3)}
               ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position, data = EXCLUDED.data`,
              puts.flatMap((put) => [put.id, put.position, JSON.stringify(put.data)]),
            );
          }
          if (events.length < 2000) break;
        }
        await writing;
        expect(documents.size).toBe(ORDERS);
        return ORDERS / ((performance.now() - started) / 1000);
      };
      const againstRawRebuild = await compare(rawRebuild, async () => {
        const run = await rebuild();
        return (await readModels.count(collections.orderList)) / run.seconds;
      });
      rows.push(row('postgres projection rebuild vs a raw rebuild (raw paged SELECTs, the same fold, raw upserts)', againstRawRebuild.adapter, 'documents/s', againstRawRebuild.raw));

      const reading = await compare(() => rawUpsert(commits), subscribe);
      rows.push(row('postgres rebuild reads (the events alone, nothing applied) vs the raw upsert', reading.adapter, 'documents/s', reading.raw));
      const selecting = await compare(rawSelect, subscribe);
      rows.push(row('postgres rebuild reads vs raw paged SELECTs of the same events', selecting.adapter, 'documents/s', selecting.raw));
    });
  });
});
