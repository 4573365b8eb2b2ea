import {
  loopIterator,
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
  type SubscriptionMessage,
} from '../../application/ports';
import { EventCodec, type StoredEvent, type StreamOriginReader } from '../codec';
import { EventLog, positionAt, streamFilter, type LogEventInput } from './event-log';

/** Log entries scanned between two checkpoints, like EventStoreDB's filtered subscriptions (checkpointInterval 1 × 32). */
export const CHECKPOINT_INTERVAL = 32;

const assertCount = (value: number | undefined, name: string): void => {
  if (value !== undefined && !(value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
};
const assertRevision = (value: number | undefined): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`fromRevision must be a revision (an integer >= 0), got ${value}`);
};

/**
 * The embedded event store, and the executable model of EventStoreDB's write and read semantics
 * (tests/contract/event-store.contract.ts). Events are stored encoded (validated, latest schema version)
 * and decoded on every read, so upcasting runs on every read path.
 */
export class MemoryEventStore implements EventStore {
  readonly log: EventLog;
  private readonly subscriptions = new Set<CatchUpSubscription>();

  /** The first stored event of a stream, for upcasters that need stream facts (e.g. the order currency). */
  readonly readOrigin: StreamOriginReader = (streamId) => Promise.resolve(this.log.first(streamId));

  /** Pass `log` to share one log between stores (e.g. two "processes" of the all-in-one mode). */
  constructor(
    readonly codec: EventCodec = new EventCodec(),
    options: { readonly log?: EventLog } = {},
  ) {
    this.log = options.log ?? new EventLog();
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // Encoding throws CodecError before anything is written; the check and the write below are synchronous.
    // An idempotent retry returns the revision and position of the last matched stored event (see EventLog.append).
    const encoded = events.map((event) => this.codec.encode(event));
    const { nextExpectedRevision, position } = this.log.append(streamId, encoded, expected);
    return { nextExpectedRevision, position };
  }

  /**
   * For tests and imports only: writes events exactly as given (any schema version, no validation, no
   * revision check) at the end of the log, in order; revisions and positions are assigned by the log.
   */
  importStored(events: readonly (LogEventInput & { readonly streamId: string })[]): StoredEvent[] {
    return events.flatMap((event) => this.log.import(event.streamId, [event]));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { direction = 'forwards', fromRevision, maxCount = Number.POSITIVE_INFINITY } = options;
    assertRevision(fromRevision);
    assertCount(maxCount, 'maxCount');
    const length = this.log.streamLength(streamId);
    const revisions: number[] = [];
    if (direction === 'forwards') {
      for (let r = fromRevision ?? 0; r < length && revisions.length < maxCount; r++) revisions.push(r);
    } else {
      // Backwards from beyond the end starts at the last event: EventStoreDB's gRPC read pages on until it has maxCount events.
      for (let r = Math.min(fromRevision ?? length - 1, length - 1); r >= 0 && revisions.length < maxCount; r--) revisions.push(r);
    }
    const indexes = revisions.map((revision) => this.log.indexOf(streamId, revision));
    return this.decodeAll(indexes);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    assertCount(options.maxCount, 'maxCount');
    const matches = streamFilter(options.streamPrefixes);
    const indexes: number[] = [];
    const end = this.log.length;
    for (let i = this.log.indexAfter(options.after ?? null); i < end && indexes.length < options.maxCount; i++) {
      if (matches(this.log.streamIdAt(i))) indexes.push(i);
    }
    return this.decodeAll(indexes);
  }

  async headPosition(): Promise<Position | null> {
    return this.log.headPosition();
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    const subscription = new CatchUpSubscription(this, this.log.indexAfter(options.from), streamFilter(options.streamPrefixes), () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends every open subscription. The log stays readable. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
  }

  private async decodeAll(indexes: readonly number[]): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (const index of indexes) events.push(await this.codec.decode(this.log.storedAt(index), this.readOrigin));
    return events;
  }
}

/**
 * A catch-up subscription over the shared log: pull-based (one log entry is examined per message asked
 * for, nothing is buffered), history then live. Messages:
 * - each matching entry as 'event' (or 'undecodable': reported, never dropped);
 * - 'checkpoint' at the last scanned entry after every CHECKPOINT_INTERVAL scanned entries (matching or
 *   not), and on reaching the head when entries were scanned since the last checkpoint and the last one
 *   was not delivered (a delivered event already tells its position), so a reader waiting on a filtered
 *   subscription sees progress over entries it does not receive;
 * - 'caught-up' once, the first time the head is reached.
 */
class CatchUpSubscription implements Subscription {
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly messages: AsyncGenerator<SubscriptionMessage, void, undefined>;

  constructor(
    private readonly store: MemoryEventStore,
    private readonly startIndex: number,
    private readonly matches: (streamId: string) => boolean,
    private readonly onClose: () => void,
  ) {
    this.messages = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return loopIterator(this.messages);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose();
    this.wake?.();
  }

  private async *run(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    const { log, codec, readOrigin } = this.store;
    let index = this.startIndex;
    let scannedSinceCheckpoint = 0;
    let lastScannedWasDelivered = false;
    let caughtUp = false;
    while (!this.closed) {
      if (index < log.length) {
        const current = index++;
        scannedSinceCheckpoint++;
        lastScannedWasDelivered = this.matches(log.streamIdAt(current));
        if (lastScannedWasDelivered) {
          const outcome = await codec.decodeOrReport(log.storedAt(current), readOrigin);
          if (this.closed) return;
          yield outcome;
        }
        if (scannedSinceCheckpoint >= CHECKPOINT_INTERVAL && !this.closed) {
          scannedSinceCheckpoint = 0;
          yield { kind: 'checkpoint', position: positionAt(current) };
        }
        continue;
      }
      if (scannedSinceCheckpoint > 0 && !lastScannedWasDelivered) {
        scannedSinceCheckpoint = 0;
        yield { kind: 'checkpoint', position: positionAt(index - 1) };
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught-up' };
        continue;
      }
      await this.appendAfter(index);
    }
  }

  /** Resolves once the log is longer than `length`, or the subscription is closed. */
  private appendAfter(length: number): Promise<void> {
    if (this.store.log.length > length || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        stopListening();
        this.wake = null;
        resolve();
      };
      const stopListening = this.store.log.onAppend(done);
      this.wake = done;
    });
  }
}
