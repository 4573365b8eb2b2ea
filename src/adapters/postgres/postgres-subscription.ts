import { Client, type Pool } from 'pg';
import { loopIterator, type Logger, type Subscription, type SubscriptionMessage } from '../../application/ports';
import type { DecodeOutcome, StoredEvent } from '../codec';
import { quoteIdent, type ConnectionSettings } from './postgres-connection';

/** One page of $all: the events, how far the page looked, and the horizon it stopped at. */
export interface AllPage {
  readonly events: readonly StoredEvent[];
  /** Every event up to here (that passes the filter) is in `events` or in an earlier page. */
  readonly scannedTo: bigint;
  /** Everything up to the horizon is committed for good; later positions may still be in flight. */
  readonly horizon: bigint;
  /** True when a writer was in flight past the horizon (it will commit or roll back soon). */
  readonly pending: boolean;
}

/** Events per page a subscription reads (and holds in memory) at a time. */
export const PAGE_SIZE = 500;
/** Positions one page scans at most: a filter that matches little still reports progress page by page. */
export const SCAN_WINDOW = 10_000n;
/** Entries scanned without a delivered one before a checkpoint reports them (EventStoreDB: 32). */
export const CHECKPOINT_INTERVAL = 32n;
/** Polling fallback when no notification arrives (lost connection, missed NOTIFY). */
export const POLL_MS = 500;
/** Re-poll interval while a writer is in flight beyond the horizon (a rollback sends no NOTIFY). */
export const GAP_POLL_MS = 50;

/** A counter bumped on every change (a NOTIFY, a local append); waiters wake when it moves. */
export class ChangeSignal {
  private generation = 0;
  private readonly waiters = new Set<() => void>();

  get version(): number {
    return this.generation;
  }

  bump(): void {
    this.generation++;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves when the counter moved past `since`, after `ms`, or when `abort` is called. */
  wait(since: number, ms: number): { promise: Promise<void>; abort: () => void } {
    let abort = () => {};
    const promise = new Promise<void>((resolve) => {
      if (this.generation !== since) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      abort = done;
    });
    return { promise, abort: () => abort() };
  }
}

/** A busy writer sends at most one NOTIFY per this many milliseconds (its own subscriptions wake at once). */
export const NOTIFY_INTERVAL_MS = 10;

/**
 * Sends the NOTIFY that wakes subscriptions in other processes, after an append committed. Not inside
 * the append: PostgreSQL serializes the commits of notifying transactions (a cluster-wide lock), which
 * would cap appends at one commit flush at a time. Coalesced: while one NOTIFY is under way (or less than
 * NOTIFY_INTERVAL_MS ago), any number of appends ask for just one more.
 */
export class CoalescingNotifier {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  notify(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = null));
  }

  /** Waits for the NOTIFY under way (if any); later requests are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const started = Date.now();
      try {
        await this.pool.query('SELECT pg_notify($1, NULL)', [this.channel]);
      } catch (error) {
        // Subscriptions poll as well: a lost notification only delays them.
        this.logger.debug({ err: error, channel: this.channel }, 'NOTIFY failed');
      }
      const rest = NOTIFY_INTERVAL_MS - (Date.now() - started);
      if (this.again && !this.closed && rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    } while (this.again && !this.closed);
  }
}

/**
 * One LISTEN connection per event store, shared by its subscriptions: open while at least one
 * subscription runs, reconnected with backoff when it drops (polling covers the meantime).
 */
export class NotificationListener {
  private users = 0;
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly channel: string,
    private readonly signal: ChangeSignal,
  ) {}

  acquire(): void {
    this.users++;
    if (this.users === 1) this.connect();
  }

  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) await this.disconnect();
  }

  async stop(): Promise<void> {
    this.users = 0;
    await this.disconnect();
  }

  private connect(): void {
    if (this.client || this.connecting || this.users === 0) return;
    const client = new Client({ connectionString: this.settings.connectionString, connectionTimeoutMillis: 10_000, application_name: 'order-service-listen' });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      if (error) this.settings.logger.warn({ err: error, channel: this.channel }, 'LISTEN connection lost; polling until it is back');
      void client.end().catch(() => undefined);
      this.signal.bump();
      this.scheduleReconnect();
    };
    client.on('notification', () => this.signal.bump());
    client.on('error', (error) => lost(error));
    client.on('end', () => lost());
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdent(this.channel)}`);
        if (this.users === 0) {
          await client.end();
          return;
        }
        this.client = client;
        this.failures = 0;
        // Notifications sent before LISTEN took effect are lost: let every subscription look again.
        this.signal.bump();
      } catch (error) {
        await client.end().catch(() => undefined);
        this.settings.logger.warn({ err: error, channel: this.channel }, 'LISTEN connection failed; polling until it is back');
        this.scheduleReconnect();
      } finally {
        this.connecting = null;
      }
    })();
  }

  private scheduleReconnect(): void {
    if (this.users === 0 || this.retryTimer) return;
    this.failures++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting;
    // A subscription may have started while the connection was being set up: it keeps it.
    if (this.users > 0) return;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}

export interface SubscriptionSource {
  readPage(after: bigint, limit: number, patterns: readonly string[] | null, window: bigint | null): Promise<AllPage>;
  decode(stored: StoredEvent): Promise<DecodeOutcome>;
  readonly signal: ChangeSignal;
  readonly listener: NotificationListener;
}

/**
 * A catch-up subscription over the events table: pages through history up to the gap-safe horizon, then
 * waits for a NOTIFY (or a local append, or the polling timer) and reads on. Pull-based: one page of rows
 * at most is held, and each event is decoded only when a reader asks for the next message. Messages:
 * - each matching event as 'event' (or 'undecodable': reported, never dropped), in position order;
 * - 'checkpoint' at the end of a page when it scanned past the last delivered event, or when at least
 *   CHECKPOINT_INTERVAL positions passed since the last checkpoint;
 * - 'caught-up' once, the first time a page reaches the horizon.
 */
export class PostgresCatchUpSubscription implements Subscription {
  private closed = false;
  private abortWait: (() => void) | null = null;
  private readonly messages: AsyncGenerator<SubscriptionMessage, void, undefined>;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly start: bigint,
    private readonly patterns: readonly string[] | null,
    private readonly onClose: () => void,
  ) {
    source.listener.acquire();
    this.messages = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return loopIterator(this.messages);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abortWait?.();
    this.onClose();
    await this.source.listener.release();
  }

  private async *run(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    const { source } = this;
    let cursor = this.start;
    let delivered = this.start;
    let checkpointed = this.start;
    let caughtUp = false;
    // While a full page is handed out, the next one is already being read (one page ahead at most).
    let ahead: { page: Promise<AllPage>; seen: number } | null = null;
    const read = (after: bigint) => {
      const page = source.readPage(after, PAGE_SIZE, this.patterns, SCAN_WINDOW);
      page.catch(() => undefined); // observed when awaited; a page read ahead of a close() may fail unseen
      return { page, seen: source.signal.version };
    };
    while (!this.closed) {
      const { page: reading, seen } = ahead ?? read(cursor);
      ahead = null;
      const page = await reading;
      if (this.closed) return;
      const full = page.events.length === PAGE_SIZE;
      if (full) ahead = read(BigInt((page.events.at(-1) as StoredEvent).position));
      for (const stored of page.events) {
        const outcome = await source.decode(stored);
        if (this.closed) return;
        yield outcome;
        cursor = BigInt(stored.position);
        delivered = cursor;
      }
      if (full) continue;
      if (page.scannedTo > cursor) cursor = page.scannedTo;
      if (cursor > checkpointed && (cursor > delivered || cursor - checkpointed >= CHECKPOINT_INTERVAL)) {
        checkpointed = cursor;
        yield { kind: 'checkpoint', position: cursor.toString() };
        if (this.closed) return;
      }
      if (cursor < page.horizon) continue;
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught-up' };
        continue;
      }
      const wait = source.signal.wait(seen, page.pending ? GAP_POLL_MS : POLL_MS);
      this.abortWait = wait.abort;
      await wait.promise;
      this.abortWait = null;
    }
  }
}
