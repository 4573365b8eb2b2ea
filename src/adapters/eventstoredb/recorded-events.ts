import type { EventType, Position as EsdbPosition, RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import type { StoredEvent } from '../codec';
import { toPosition, toRevision } from './positions';

/** Where this adapter keeps aggregate snapshots (eventstoredb-snapshot-store.ts): internal, never a service event. */
export const SNAPSHOT_STREAM_PREFIX = 'snapshot-';

/** An event as the client reads it; `position` is always present on $all reads and on stream reads since server 22.6. */
export type EsdbEvent = EsdbRecordedEvent<EventType>;

/**
 * Streams and events that belong to EventStoreDB or to this adapter, not to the service: system streams
 * ("$..."; links, statistics, projections, parked messages, metadata streams "$$..."), system event types
 * ("$>", "$metadata", "$streamDeleted", ...) and snapshot streams. Reads of $all skip them.
 */
export const isServiceEvent = (event: Pick<EsdbEvent, 'streamId' | 'type'>): boolean =>
  !event.streamId.startsWith('$') && !event.type.startsWith('$') && !event.streamId.startsWith(SNAPSHOT_STREAM_PREFIX);

/** True when the stream passes the prefix filter; no prefixes = every stream (as in the memory adapter). */
export const matchesPrefixes = (streamId: string, prefixes: readonly string[] | undefined): boolean =>
  !prefixes || prefixes.length === 0 || prefixes.some((prefix) => streamId.startsWith(prefix));

export class MissingPosition extends Error {
  constructor(event: Pick<EsdbEvent, 'id' | 'streamId'>) {
    super(`EventStoreDB returned event ${event.id} of ${event.streamId} without its log position (needs server 22.6 or later)`);
    this.name = 'MissingPosition';
  }
}

export const positionOfEvent = (event: EsdbEvent, position: EsdbPosition | undefined = event.position): string => {
  if (!position) throw new MissingPosition(event);
  return toPosition(position);
};

/** The event as the codec reads it: data and metadata exactly as stored (JSON parsed by the client). */
export const toStoredEvent = (event: EsdbEvent, position: string = positionOfEvent(event)): StoredEvent => ({
  eventId: event.id,
  type: event.type,
  streamId: event.streamId,
  revision: toRevision(event.revision),
  position,
  data: event.data,
  metadata: event.metadata,
});
