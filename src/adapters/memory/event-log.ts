import {
  ConcurrencyError,
  NO_STREAM_REVISION,
  parsePosition,
  type AppendResult,
  type ExpectedRevision,
  type Position,
} from '../../application/ports';
import type { StoredEvent } from '../codec';

/** What the log writes for one event: already validated (or imported as is), not yet numbered. */
export type LogEventInput = Pick<StoredEvent, 'eventId' | 'type' | 'data' | 'metadata'>;

/** The outcome of an append: where the stream ended up, and how many events were actually written (0 for an idempotent retry). */
export interface LogWriteResult extends AppendResult {
  readonly written: number;
}

interface LogEntry {
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly revision: number;
  // JSON text, parsed afresh on every read: neither the writer nor any reader can change what is stored.
  readonly data: string;
  readonly metadata: string;
}

interface StreamEntries {
  /** Log index of each event of the stream, by revision. */
  readonly indexes: number[];
  /** Revisions holding each event id (an id may be written twice: an append at the current revision is never idempotent). */
  readonly revisionsOf: Map<string, number[]>;
}

/** Position of the log entry at `index`: "1", "2", … — one increasing number across all streams. */
export const positionAt = (index: number): Position => String(index + 1);

/** True when the stream passes the prefix filter; no prefixes = every stream. */
export const streamFilter =
  (prefixes: readonly string[] | undefined) =>
  (streamId: string): boolean =>
    !prefixes || prefixes.length === 0 || prefixes.some((prefix) => streamId.startsWith(prefix));

/** Before every event: what an empty stream reports where a position is required. */
const START: Position = '0';

/**
 * The in-memory log shared by MemoryEventStore and MemoryPersistentSubscriptions: one array in
 * global order plus an index per stream. Every check-and-write is synchronous, so concurrent
 * appends serialize like writes on a server.
 */
export class EventLog {
  private readonly entries: LogEntry[] = [];
  private readonly streams = new Map<string, StreamEntries>();
  private readonly listeners = new Set<() => void>();

  get length(): number {
    return this.entries.length;
  }

  headPosition(): Position | null {
    return this.entries.length === 0 ? null : positionAt(this.entries.length - 1);
  }

  streamIdAt(index: number): string {
    return this.entryAt(index).streamId;
  }

  storedAt(index: number): StoredEvent {
    const entry = this.entryAt(index);
    return {
      eventId: entry.eventId,
      type: entry.type,
      streamId: entry.streamId,
      revision: entry.revision,
      position: positionAt(index),
      data: JSON.parse(entry.data) as unknown,
      metadata: JSON.parse(entry.metadata) as unknown,
    };
  }

  /** Number of events in the stream (0 when it does not exist). */
  streamLength(streamId: string): number {
    return this.streams.get(streamId)?.indexes.length ?? 0;
  }

  /** Log index of the stream's event at `revision`. */
  indexOf(streamId: string, revision: number): number {
    const index = this.streams.get(streamId)?.indexes[revision];
    if (index === undefined) throw new RangeError(`stream ${streamId} has no revision ${revision}`);
    return index;
  }

  /** The first event of a stream, as upcasters that need stream facts read it. */
  first(streamId: string): StoredEvent | undefined {
    const index = this.streams.get(streamId)?.indexes[0];
    return index === undefined ? undefined : this.storedAt(index);
  }

  /**
   * Index of the first entry strictly after `position` (null: the first entry). Accepts both position
   * forms. It may lie beyond the current end: a position from a longer log still starts after it.
   */
  indexAfter(position: Position | null): number {
    if (position === null) return 0;
    const [commit, prepare] = parsePosition(position);
    // The entry at index i sits at i+1, which reads as (i+1)/(i+1): it is after c/p when i+1 > c, or i+1 = c > p.
    const start = commit > prepare ? commit - 1n : commit;
    return start >= BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(start);
  }

  /** Calls `listener` after every write; returns the function that removes it. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * EventStoreDB's append decision (KurrentDB IndexWriter.CheckCommit), then the write:
   * - an exact revision (no_stream = -1) behind the current one is a retry: the batch ids must equal the
   *   stored events right after it (all of them, within the stream) → success without writing, otherwise
   *   a conflict; an empty batch there is a conflict;
   * - 'any' and 'stream_exists' (on an existing stream): when the first id is already in the stream, the
   *   whole batch must match consecutive stored events from there → success without writing, otherwise a
   *   conflict; when it is not, the batch is appended;
   * - an exact revision equal to the current one appends (even ids already stored); ahead of it conflicts.
   * An idempotent success reports the revision and position of the LAST MATCHED stored event, as the server
   * does (AlreadyCommitted carries the end event number), not the stream's current revision.
   */
  append(streamId: string, events: readonly LogEventInput[], expected: ExpectedRevision): LogWriteResult {
    if (streamId.length === 0) throw new RangeError('a stream id must not be empty');
    if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
      throw new RangeError(`expected revision ${expected} is not a revision (use 'no_stream' for a missing stream)`);
    }
    const stream = this.streams.get(streamId);
    const current = stream ? stream.indexes.length - 1 : NO_STREAM_REVISION;
    const conflict = (): ConcurrencyError => new ConcurrencyError(streamId, expected, current);

    if (expected === 'any' || expected === 'stream_exists') {
      if (expected === 'stream_exists' && !stream) throw conflict();
      const [first] = events;
      if (!stream || first === undefined) return this.write(streamId, events);
      const starts = stream.revisionsOf.get(first.eventId);
      if (!starts) return this.write(streamId, events);
      // Newest occurrence first: the server's id cache remembers the latest revision of an id.
      for (const start of [...starts].reverse()) {
        if (this.matchesFrom(stream, start, events)) return this.idempotent(stream, start + events.length - 1);
      }
      throw conflict();
    }

    const revision = expected === 'no_stream' ? NO_STREAM_REVISION : expected;
    if (revision > current) throw conflict();
    if (revision === current) return this.write(streamId, events);
    if (stream && events.length > 0 && this.matchesFrom(stream, revision + 1, events)) {
      return this.idempotent(stream, revision + events.length);
    }
    throw conflict();
  }

  /** Appends events as they are, without any check: for imports and tests (e.g. events in an old schema version). */
  import(streamId: string, events: readonly LogEventInput[]): StoredEvent[] {
    if (streamId.length === 0) throw new RangeError('a stream id must not be empty');
    const start = this.entries.length;
    this.write(streamId, events);
    return events.map((_, i) => this.storedAt(start + i));
  }

  private matchesFrom(stream: StreamEntries, start: number, events: readonly LogEventInput[]): boolean {
    return events.every((event, i) => {
      const index = stream.indexes[start + i];
      return index !== undefined && this.entryAt(index).eventId === event.eventId;
    });
  }

  private idempotent(stream: StreamEntries, lastMatched: number): LogWriteResult {
    return { nextExpectedRevision: lastMatched, position: positionAt(stream.indexes[lastMatched] as number), written: 0 };
  }

  private write(streamId: string, events: readonly LogEventInput[]): LogWriteResult {
    // Serialize the whole batch before touching the log: a value JSON cannot hold fails the batch, not half of it.
    const texts = events.map((event) => ({ data: json(event.data, event.eventId), metadata: json(event.metadata, event.eventId) }));
    let stream = this.streams.get(streamId);
    if (!stream && events.length > 0) {
      stream = { indexes: [], revisionsOf: new Map() };
      this.streams.set(streamId, stream);
    }
    if (!stream) return { nextExpectedRevision: NO_STREAM_REVISION, position: START, written: 0 };

    events.forEach((event, i) => {
      const revision = stream.indexes.length;
      const { data, metadata } = texts[i] as { data: string; metadata: string };
      stream.indexes.push(this.entries.length);
      this.entries.push({ eventId: event.eventId, type: event.type, streamId, revision, data, metadata });
      const revisions = stream.revisionsOf.get(event.eventId);
      if (revisions) revisions.push(revision);
      else stream.revisionsOf.set(event.eventId, [revision]);
    });
    const last = stream.indexes.length - 1;
    if (events.length > 0) for (const listener of [...this.listeners]) listener();
    return { nextExpectedRevision: last, position: positionAt(stream.indexes[last] as number), written: events.length };
  }

  private entryAt(index: number): LogEntry {
    const entry = this.entries[index];
    if (!entry) throw new RangeError(`the log has no entry at index ${index}`);
    return entry;
  }
}

const json = (value: unknown, eventId: string): string => {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`event ${eventId} holds a value JSON cannot represent`);
  return text;
};
