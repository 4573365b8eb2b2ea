import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Position as EsdbPosition,
  type ReadRevision,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  ConcurrencyError,
  NO_STREAM_REVISION,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type Logger,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from '../../application/ports';
import type { EncodedEvent, EventCodec, StoredEvent, StreamOriginReader } from '../codec';
import { EventStoreDbCatchUpSubscription } from './catch-up-subscription';
import type { EventStoreDbClient } from './client';
import type { EventStoreDbConnection } from './connection';
import { actualRevisionOf, isStreamNotFound, isWrongExpectedVersion } from './errors';
import { isAfterEsdb, toEsdbPosition, toPosition, toRevision } from './positions';
import { isServiceEvent, matchesPrefixes, positionOfEvent, toStoredEvent, type EsdbEvent } from './recorded-events';

/** Events read from $all per page while looking for events of the wanted streams (the client has no server-side filter for reads). */
export const READ_ALL_PAGE_SIZE = 500;

/** What an empty stream reports where a position is required (as the memory adapter does). */
const START_POSITION: Position = '0';

const assertCount = (value: number | undefined, name: string): void => {
  if (value !== undefined && !(value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
};
const assertRevision = (value: number | undefined, name: string): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) throw new RangeError(`${name} must be a revision (an integer >= 0), got ${value}`);
};

/** The port's expected revision as the client takes it (dist/types/index.d.ts AppendExpectedRevision). */
export const toExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!(Number.isSafeInteger(expected) && expected >= 0)) {
        throw new RangeError(`expected revision ${expected} is not a revision (use 'no_stream' for a missing stream)`);
      }
      return BigInt(expected);
  }
};

/**
 * What EventStoreDB stores as an event's metadata: the codec's metadata (correlationId, causationId,
 * actor, occurredAt, schemaVersion) plus EventStoreDB's conventional `$correlationId` / `$causationId`,
 * which its system projections ($by_correlation_id) read. The codec ignores the `$` fields on read.
 */
export const storedMetadataOf = (encoded: EncodedEvent): Record<string, unknown> => ({
  ...encoded.metadata,
  $correlationId: encoded.metadata.correlationId,
  $causationId: encoded.metadata.causationId,
});

/**
 * The EventStore port on EventStoreDB (@eventstore/db-client 6.2.1). Every call is bounded by the
 * connection's timeout; unreachable servers and timeouts surface as StoreUnavailable.
 */
export class EventStoreDbEventStore implements EventStore {
  /** The first stored event of a stream, raw (not decoded), for upcasters that need stream facts. */
  readonly readOrigin: StreamOriginReader = async (streamId) => {
    const [first] = await this.readRaw(streamId, { fromRevision: START, direction: FORWARDS, maxCount: 1 });
    return first && toStoredEvent(first);
  };

  constructor(
    private readonly connection: EventStoreDbConnection,
    readonly codec: EventCodec,
    private readonly logger: Logger,
  ) {}

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (streamId.length === 0) throw new RangeError('a stream id must not be empty');
    const expectedRevision = toExpectedRevision(expected);
    // Encoding throws CodecError before anything is sent.
    const encoded = events.map((event) => this.codec.encode(event));
    if (encoded.length === 0) return this.checkExpected(streamId, expected);

    // Deterministic ids (from the command id) make a retried append idempotent on the server.
    const data = encoded.map((event) => jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: storedMetadataOf(event) }));
    let result;
    try {
      result = await this.connection.call(`append to ${streamId}`, (client) => client.appendToStream(streamId, data, { expectedRevision }));
    } catch (error) {
      if (isWrongExpectedVersion(error)) throw new ConcurrencyError(streamId, expected, actualRevisionOf(error));
      throw error;
    }
    // Only with throwOnAppendFailure=false, which client.ts refuses; kept so a conflict can never pass as a success.
    if (!result.success) throw new ConcurrencyError(streamId, expected, null);
    const nextExpectedRevision = toRevision(result.nextExpectedRevision);
    // The server reports the position of the last event, of the stored copy for an idempotent retry, or none
    // when it could not read that copy back: then the event is read.
    const position = result.position ? toPosition(result.position) : await this.positionAt(streamId, nextExpectedRevision);
    return { nextExpectedRevision, position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { direction = 'forwards', fromRevision, maxCount } = options;
    assertRevision(fromRevision, 'fromRevision');
    assertCount(maxCount, 'maxCount');
    if (maxCount === 0) return [];
    const raw = await this.readRaw(streamId, {
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromRevision: fromRevision === undefined ? (direction === 'forwards' ? START : END) : BigInt(fromRevision),
      maxCount: maxCount === undefined || maxCount === Number.POSITIVE_INFINITY ? undefined : Math.ceil(maxCount),
    });
    return this.decodeAll(raw.filter((event) => !event.type.startsWith('$')).map((event) => toStoredEvent(event)));
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    assertCount(options.maxCount, 'maxCount');
    const wanted = Math.ceil(options.maxCount);
    const after = options.after ? toEsdbPosition(options.after) : null;
    const found: StoredEvent[] = [];
    let from: EsdbPosition | typeof START = after ?? START;
    let exclusive = after; // a read of $all starts AT its position: skip what is not strictly after it
    while (found.length < wanted) {
      const page = await this.readAllPage(from, READ_ALL_PAGE_SIZE);
      for (const event of page) {
        const position = event.position;
        if (exclusive && !isAfterEsdb(position, exclusive)) continue;
        if (isServiceEvent(event) && matchesPrefixes(event.streamId, options.streamPrefixes)) found.push(toStoredEvent(event));
        if (found.length === wanted) break;
      }
      const last = page.at(-1);
      if (page.length < READ_ALL_PAGE_SIZE || !last) break;
      from = last.position;
      exclusive = last.position;
    }
    return this.decodeAll(found);
  }

  async headPosition(): Promise<Position | null> {
    const [last] = await this.collect('read the head of $all', (client) => client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    return last?.event ? positionOfEvent(last.event) : null;
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    return new EventStoreDbCatchUpSubscription({ connection: this.connection, codec: this.codec, readOrigin: this.readOrigin, logger: this.logger }, options);
  }

  /** Position of the event at `revision` (which must exist). */
  async positionAt(streamId: string, revision: number): Promise<Position> {
    const [event] = await this.readRaw(streamId, { direction: FORWARDS, fromRevision: BigInt(revision), maxCount: 1 });
    if (!event || toRevision(event.revision) !== revision) throw new Error(`stream ${streamId} has no event at revision ${revision}`);
    return positionOfEvent(event);
  }

  /** The stream's events as the client reads them; a missing stream reads as []. */
  async readRaw(streamId: string, options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: ReadRevision; maxCount?: number | undefined }): Promise<EsdbEvent[]> {
    try {
      const resolved = await this.collect(`read ${streamId}`, (client) => client.readStream(streamId, { ...options, resolveLinkTos: false }));
      return resolved.flatMap((item) => (item.event ? [item.event] : []));
    } catch (error) {
      // The read is lazy: StreamNotFoundError surfaces while iterating, not when readStream is called.
      if (isStreamNotFound(error)) return [];
      throw error;
    }
  }

  /**
   * Every event of a (lazy, streaming) read within the time limit. The read is cancelled when the time
   * is up, and when collecting fails, so the gRPC call does not linger.
   */
  async collect<E>(operation: string, open: (client: EventStoreDbClient) => StreamingRead<E>): Promise<E[]> {
    let read: StreamingRead<E> | undefined;
    const cancel = (): void => {
      void read?.cancel().catch(() => undefined);
    };
    return this.connection.call(
      operation,
      async (client) => {
        read = open(client);
        const items: E[] = [];
        try {
          for await (const item of read) items.push(item);
        } catch (error) {
          cancel();
          throw error;
        }
        return items;
      },
      cancel,
    );
  }

  private async readAllPage(from: EsdbPosition | typeof START, maxCount: number): Promise<(EsdbEvent & { position: EsdbPosition })[]> {
    const page = await this.collect<AllStreamResolvedEvent>('read $all', (client) => client.readAll({ direction: FORWARDS, fromPosition: from, maxCount, resolveLinkTos: false }));
    return page.flatMap((item) => (item.event ? [item.event] : []));
  }

  /**
   * An empty batch only checks the expected revision, as an append of nothing would (EventLog.append
   * in the memory adapter). It is answered from a read: the client misreports a missing stream's
   * revision on empty appends (it reads CurrentRevision "0" where the server said NoStream).
   */
  private async checkExpected(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readRaw(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    const current = last ? toRevision(last.revision) : NO_STREAM_REVISION;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === NO_STREAM_REVISION) ||
      (expected === 'stream_exists' && current !== NO_STREAM_REVISION) ||
      expected === current;
    if (!ok) throw new ConcurrencyError(streamId, expected, current);
    return { nextExpectedRevision: current, position: last ? positionOfEvent(last) : START_POSITION };
  }

  private async decodeAll(stored: readonly StoredEvent[]): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (const event of stored) events.push(await this.codec.decode(event, this.readOrigin));
    return events;
  }
}
