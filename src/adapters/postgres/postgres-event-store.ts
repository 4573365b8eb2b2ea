import type { Pool } from 'pg';
import {
  ConcurrencyError,
  NO_STREAM_REVISION,
  parsePosition,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from '../../application/ports';
import { EventCodec, type EncodedEvent, type StoredEvent, type StreamOriginReader } from '../codec';
import { eventsChannel, query, quoteIdent, sqlState, storeError, type ConnectionSettings } from './postgres-connection';
import { ChangeSignal, CoalescingNotifier, NotificationListener, PostgresCatchUpSubscription, type AllPage } from './postgres-subscription';

/** An event to write as it is (imports, tests): any schema version, no validation. */
export type RawEvent = Pick<StoredEvent, 'eventId' | 'type' | 'streamId' | 'data' | 'metadata'>;

/** The largest position PostgreSQL can hold (bigint). */
const MAX_POSITION = (1n << 63n) - 1n;

const EXPECTED_CODES = { any: -2, no_stream: -1, stream_exists: -3 } as const;

const assertCount = (value: number | undefined, name: string): void => {
  if (value !== undefined && !(value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
};
const assertRevision = (value: number | undefined): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`fromRevision must be a revision (an integer >= 0), got ${value}`);
};
/** SQL LIMIT: Infinity (or anything beyond the safe integers) means no limit. */
const limitOf = (count: number): string | null => (count <= Number.MAX_SAFE_INTEGER ? String(Math.floor(count)) : null);

/** The exclusive lower bound of the events after `position`: "n" and "commit/prepare" both compare (n reads as n/n). */
export const afterBound = (position: Position | null): bigint => {
  if (position === null) return 0n;
  const [commit, prepare] = parsePosition(position);
  // The event at n sits at n/n: it is after c/p when n > c, or n = c > p.
  const bound = commit > prepare ? commit - 1n : commit;
  return bound > MAX_POSITION ? MAX_POSITION : bound;
};

/** LIKE patterns matching stream ids that start with one of the prefixes; null for "every stream". */
export const prefixPatterns = (prefixes: readonly string[] | undefined): string[] | null =>
  !prefixes || prefixes.length === 0 ? null : prefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);

interface EventRow extends Record<string, unknown> {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

interface PageRow extends Record<string, unknown> {
  o_position: string | null;
  o_stream_id: string;
  o_revision: string;
  o_event_id: string;
  o_type: string;
  o_data: unknown;
  o_metadata: unknown;
  scanned_to: string | null;
  horizon: string | null;
  pending: boolean | null;
}

const storedOf = (row: EventRow): StoredEvent => ({
  eventId: row.event_id,
  type: row.type,
  streamId: row.stream_id,
  revision: Number(row.revision),
  position: String(row.position),
  data: row.data,
  metadata: row.metadata,
});

/**
 * The event store on PostgreSQL: an `events` table with a global position, one append function call per
 * batch (the expected-revision decision runs in the database, see migrations/001_event_store.sql), reads
 * and subscriptions that never pass an event whose transaction is still in flight (events_horizon).
 * Every read decodes through the codec (validation + upcasting).
 */
export class PostgresEventStore implements EventStore {
  private readonly schema: string;
  private readonly signal = new ChangeSignal();
  private readonly listener: NotificationListener;
  private readonly notifier: CoalescingNotifier;
  private readonly subscriptions = new Set<PostgresCatchUpSubscription>();
  private closed = false;

  /** The first stored event of a stream, for upcasters that need stream facts (e.g. the order currency). */
  readonly readOrigin: StreamOriginReader = async (streamId) => {
    const rows = await query<EventRow>(this.pool, `SELECT ${EVENT_COLUMNS} FROM ${this.schema}.events WHERE stream_id = $1 AND revision = 0`, [streamId]);
    return rows[0] ? storedOf(rows[0]) : undefined;
  };

  constructor(
    private readonly pool: Pool,
    readonly codec: EventCodec,
    private readonly settings: ConnectionSettings,
  ) {
    this.schema = quoteIdent(settings.schema);
    this.listener = new NotificationListener(settings, eventsChannel(settings.schema), this.signal);
    this.notifier = new CoalescingNotifier(pool, eventsChannel(settings.schema), settings.logger);
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // Encoding throws CodecError before anything is sent: a batch is written whole or not at all.
    const statement = this.appendStatement(streamId, events, expected);
    let row: { next_revision: string; last_position: string } | undefined;
    try {
      row = (await this.pool.query<{ next_revision: string; last_position: string }>(statement.text, statement.values)).rows[0];
    } catch (error) {
      throw await this.appendError(error, streamId, expected);
    }
    if (!row) throw new Error(`append to ${streamId} returned nothing`);
    if (events.length > 0) this.appended();
    return { nextExpectedRevision: Number(row.next_revision), position: String(row.last_position) };
  }

  /**
   * The append as one SQL statement, for callers that run it inside a transaction of their own (tests that
   * hold a transaction open; tools). One append per transaction: the gap-safe horizon relies on it.
   */
  appendStatement(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): { text: string; values: unknown[] } {
    if (streamId.length === 0) throw new RangeError('a stream id must not be empty');
    if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
      throw new RangeError(`expected revision ${expected} is not a revision (use 'no_stream' for a missing stream)`);
    }
    const encoded = events.map((event) => this.codec.encode(event));
    return this.statementFor(streamId, encoded, expected);
  }

  /**
   * For tests and imports only: writes events exactly as given (any schema version, no validation, no
   * revision check) at the end of their streams, in order.
   */
  async importStored(events: readonly RawEvent[]): Promise<StoredEvent[]> {
    const imported: StoredEvent[] = [];
    for (const event of events) {
      const { text, values } = this.statementFor(event.streamId, [event as unknown as EncodedEvent], 'any');
      const rows = await query<{ next_revision: string; last_position: string }>(this.pool, text, values);
      const row = rows[0] as { next_revision: string; last_position: string };
      imported.push({ ...event, revision: Number(row.next_revision), position: String(row.last_position) });
    }
    if (imported.length > 0) this.appended();
    return imported;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { direction = 'forwards', fromRevision, maxCount = Number.POSITIVE_INFINITY } = options;
    assertRevision(fromRevision);
    assertCount(maxCount, 'maxCount');
    const rows =
      direction === 'forwards'
        ? await query<EventRow>(
            this.pool,
            `SELECT ${EVENT_COLUMNS} FROM ${this.schema}.events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
            [streamId, fromRevision ?? 0, limitOf(maxCount)],
          )
        : await query<EventRow>(
            this.pool,
            // Backwards from beyond the end starts at the last event, as EventStoreDB's gRPC read does.
            `SELECT ${EVENT_COLUMNS} FROM ${this.schema}.events WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
            [streamId, fromRevision ?? MAX_POSITION.toString(), limitOf(maxCount)],
          );
    return this.decodeAll(rows.map(storedOf));
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    assertCount(options.maxCount, 'maxCount');
    if (options.maxCount === 0) return [];
    const page = await this.readPage(afterBound(options.after ?? null), options.maxCount, prefixPatterns(options.streamPrefixes), null);
    return this.decodeAll(page.events);
  }

  async headPosition(): Promise<Position | null> {
    const [row] = await query<{ head: string | null }>(this.pool, `SELECT ${this.schema}.events_head() AS head`);
    return row?.head === undefined || row.head === null ? null : String(row.head);
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    if (this.closed) throw new Error('the event store is closed');
    const subscription = new PostgresCatchUpSubscription(
      {
        readPage: (after, limit, patterns, window) => this.readPage(after, limit, patterns, window),
        decode: (stored) => this.codec.decodeOrReport(stored, this.readOrigin),
        signal: this.signal,
        listener: this.listener,
      },
      afterBound(options.from),
      prefixPatterns(options.streamPrefixes),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Reads events after `after` up to the gap-safe horizon (and within `window` positions of `after`, when
   * given), of streams matching `patterns`, at most `limit`.
   */
  async readPage(after: bigint, limit: number, patterns: readonly string[] | null, window: bigint | null): Promise<AllPage> {
    const rows = await query<PageRow>(this.pool, `SELECT * FROM ${this.schema}.read_all_events($1, $2, $3, $4)`, [
      after.toString(),
      limitOf(limit),
      patterns,
      window === null ? null : window.toString(),
    ]);
    const [head, ...events] = rows;
    if (!head || head.scanned_to === null || head.horizon === null) throw new Error('read_all_events returned no page header');
    return {
      scannedTo: BigInt(head.scanned_to),
      horizon: BigInt(head.horizon),
      pending: head.pending === true,
      events: events.map((row) =>
        storedOf({
          position: row.o_position as string,
          stream_id: row.o_stream_id,
          revision: row.o_revision,
          event_id: row.o_event_id,
          type: row.o_type,
          data: row.o_data,
          metadata: row.o_metadata,
        }),
      ),
    };
  }

  /** Ends every subscription (and the LISTEN connection). The pool is closed by whoever created it. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.listener.stop();
    await this.notifier.close();
  }

  /** Wakes this process's subscriptions at once, and the other processes' through NOTIFY. */
  private appended(): void {
    this.signal.bump();
    this.notifier.notify();
  }

  private statementFor(streamId: string, encoded: readonly EncodedEvent[], expected: ExpectedRevision): { text: string; values: unknown[] } {
    const code = typeof expected === 'number' ? expected : EXPECTED_CODES[expected];
    // JSON text for the batch: a value JSON cannot hold fails here, before anything is sent.
    const batch = JSON.stringify(encoded.map((event) => [event.eventId, event.type, event.data, event.metadata]));
    return { text: `SELECT next_revision, last_position FROM ${this.schema}.append_events($1, $2, $3::jsonb)`, values: [streamId, code, batch] };
  }

  private async appendError(error: unknown, streamId: string, expected: ExpectedRevision): Promise<unknown> {
    const state = sqlState(error);
    if (state === 'OS409') {
      const actual = Number((error as { detail?: string }).detail);
      return new ConcurrencyError(streamId, expected, Number.isSafeInteger(actual) ? actual : null);
    }
    // unique (stream, revision): another writer won a race the decision did not see (should not happen; kept as a net).
    if (state === '23505') {
      const current = await query<{ revision: string }>(this.pool, `SELECT revision FROM ${this.schema}.streams WHERE stream_id = $1`, [streamId]).catch(() => []);
      return new ConcurrencyError(streamId, expected, current[0] ? Number(current[0].revision) : NO_STREAM_REVISION);
    }
    return storeError(error);
  }

  private async decodeAll(stored: readonly StoredEvent[]): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (const event of stored) events.push(await this.codec.decode(event, this.readOrigin));
    return events;
  }
}

const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';
