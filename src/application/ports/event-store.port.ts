import type { ServiceEvent } from '../../domain';
import type { Position } from './position';

/**
 * What the writer expects the stream to be at: 'any' (no check), 'no_stream' (must not exist),
 * 'stream_exists' (must exist), or the exact revision of its last event (0-based).
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** Revision of a stream with no events, as reported in ConcurrencyError.actualRevision. */
export const NO_STREAM_REVISION = -1;

export interface EventMetadata {
  readonly correlationId: string;
  /** The id of the command (or event) that caused this event. */
  readonly causationId: string;
  readonly actor: string;
  /** ISO-8601 timestamp from the application clock. */
  readonly occurredAt: string;
}

/** An event to append: `data` is in the latest schema version; the codec stamps the version on write. */
export type NewEvent<E extends ServiceEvent = ServiceEvent> = E & {
  readonly eventId: string;
  readonly metadata: EventMetadata;
};

/** An event as read back: decoded and upcast to the latest schema, with where it sits in its stream and in the log. */
export type RecordedEvent<E extends ServiceEvent = ServiceEvent> = E & {
  readonly eventId: string;
  readonly streamId: string;
  /** 0-based index of the event in its stream. */
  readonly revision: number;
  readonly position: Position;
  readonly metadata: EventMetadata;
  /** The schema version the event was stored with (data is always upcast to the latest). */
  readonly storedSchemaVersion: number;
};

export interface AppendResult {
  /** Revision of the last event of the stream after the append. */
  readonly nextExpectedRevision: number;
  /** Position of the last event of the batch (of the already-stored copy when the append was an idempotent retry). */
  readonly position: Position;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first event (forwards) or the last (backwards). */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. null or absent: from the beginning. */
  readonly after?: Position | null;
  /** Upper bound on the number of events returned. Required: the log can be huge. */
  readonly maxCount: number;
  /** Only streams whose id starts with one of these prefixes (e.g. "order-"). */
  readonly streamPrefixes?: readonly string[];
}

/** An event the codec could not decode (unknown type or version, invalid data): it is reported, never dropped. */
export interface UndecodableEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: Position;
  readonly type: string;
  readonly error: Error;
}

export type SubscriptionMessage =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'undecodable'; readonly event: UndecodableEvent }
  /** Everything up to and including `position` that passes the filter has been delivered before this message. */
  | { readonly kind: 'checkpoint'; readonly position: Position }
  /** The subscription has delivered the whole log as it was when it started; live events follow. */
  | { readonly kind: 'caught-up' };

export interface Subscription extends AsyncIterable<SubscriptionMessage> {
  /** Stops the subscription; a pending iteration ends. */
  close(): Promise<void>;
}

/**
 * The iterator a subscription gives each for-await loop: loops may take turns on one subscription, and
 * leaving a loop (break) does not end it — close() does. Every adapter's subscriptions iterate this way.
 */
export const loopIterator = <T>(messages: AsyncIterator<T>): AsyncIterator<T> => ({
  next: () => messages.next(),
  return: () => Promise.resolve({ done: true, value: undefined }),
});

export interface SubscribeToAllOptions {
  /** Exclusive start position; null = from the beginning of the log. */
  readonly from: Position | null;
  readonly streamPrefixes: readonly string[];
}

/** The source of truth. Implementations must behave like EventStoreDB (see tests/contract/event-store.contract.ts). */
export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event in the log (of any stream), null when the log is empty. */
  headPosition(): Promise<Position | null>;
  /** Catch-up subscription: history from `from`, then live events, in global order. Errors end the iteration. */
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
}

export type NackAction = 'retry' | 'park' | 'skip';

export interface PersistentGroupSettings {
  readonly streamPrefixes: readonly string[];
  /** Deliveries of one event before it is parked. */
  readonly maxRetryCount: number;
  /** An event not acked within this time is delivered again (counts as a retry). */
  readonly messageTimeoutMs: number;
  readonly consumerStrategy: 'round-robin' | 'pinned';
}

export type PersistentDelivery =
  | { readonly kind: 'event'; readonly event: RecordedEvent; readonly retryCount: number }
  | { readonly kind: 'undecodable'; readonly event: UndecodableEvent; readonly retryCount: number };

export interface PersistentSubscription extends AsyncIterable<PersistentDelivery> {
  ack(delivery: PersistentDelivery): Promise<void>;
  nack(delivery: PersistentDelivery, action: NackAction, reason: string): Promise<void>;
  close(): Promise<void>;
}

export interface ParkedMessage {
  readonly group: string;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: Position;
  readonly type: string;
  readonly reason: string;
}

/** Server-side subscription groups over $all (competing consumers, ack/nack, parking). */
export interface PersistentSubscriptions {
  /** Creates the group if it does not exist; an existing group is left as it is. */
  ensureGroup(group: string, settings: PersistentGroupSettings): Promise<void>;
  subscribe(group: string, options?: { readonly bufferSize?: number }): PersistentSubscription;
  listParked(group: string, options: { readonly maxCount: number }): Promise<ParkedMessage[]>;
  /** Sends every parked message of the group back to its consumers. */
  replayParked(group: string): Promise<void>;
}
