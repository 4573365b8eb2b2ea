import { BACKWARDS, END, jsonEvent, NO_STREAM } from '@eventstore/db-client';
import type { Logger, Snapshot, SnapshotStore } from '../../application/ports';
import type { EventStoreDbConnection } from './connection';
import { isWrongExpectedVersion, STORE_NAME } from './errors';
import type { EventStoreDbEventStore } from './eventstoredb-event-store';
import { SNAPSHOT_STREAM_PREFIX } from './recorded-events';

export const SNAPSHOT_EVENT_TYPE = 'AggregateSnapshot';

/** Compare-and-set attempts before a save gives up (each conflict means another writer saved meanwhile). */
const MAX_ATTEMPTS = 5;

export const snapshotStreamOf = (streamId: string): string => `${SNAPSHOT_STREAM_PREFIX}${streamId}`;

const isSnapshotData = (data: unknown): data is Omit<Snapshot, 'streamId'> & { streamId?: unknown } => {
  if (typeof data !== 'object' || data === null) return false;
  const { revision, stateVersion } = data as Record<string, unknown>;
  return Number.isSafeInteger(revision) && Number.isSafeInteger(stateVersion) && 'state' in data;
};

/**
 * Snapshots in EventStoreDB: one stream per aggregate, "snapshot-<streamId>", holding only the newest
 * snapshot ($maxCount 1, so older ones are truncated and scavenged). A save is a compare-and-set on the
 * snapshot stream's revision, so an older snapshot never replaces a newer one even with racing writers.
 * The snapshot streams are outside the service's stream prefixes: subscriptions and reads of $all skip them.
 */
export class EventStoreDbSnapshotStore implements SnapshotStore {
  constructor(
    private readonly connection: EventStoreDbConnection,
    private readonly store: EventStoreDbEventStore,
    private readonly logger: Logger,
  ) {}

  async load(streamId: string): Promise<Snapshot | null> {
    return (await this.latest(streamId))?.snapshot ?? null;
  }

  async save(snapshot: Snapshot): Promise<void> {
    if (!(Number.isSafeInteger(snapshot.revision) && snapshot.revision >= 0)) throw new RangeError(`snapshot revision must be an integer >= 0, got ${snapshot.revision}`);
    const stream = snapshotStreamOf(snapshot.streamId);
    const data = { streamId: snapshot.streamId, revision: snapshot.revision, stateVersion: snapshot.stateVersion, state: snapshot.state };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const latest = await this.latest(snapshot.streamId);
      if (latest?.snapshot && latest.snapshot.revision > snapshot.revision) return;
      if (!latest) {
        // Before the first snapshot: keep one event only. Setting the same metadata twice is harmless.
        await this.connection.call(`set metadata of ${stream}`, (client) => client.setStreamMetadata(stream, { maxCount: 1 }));
      }
      try {
        await this.connection.call(`save snapshot of ${snapshot.streamId}`, (client) =>
          client.appendToStream(stream, jsonEvent({ type: SNAPSHOT_EVENT_TYPE, data }), { expectedRevision: latest ? latest.streamRevision : NO_STREAM }),
        );
        return;
      } catch (error) {
        if (!isWrongExpectedVersion(error)) throw error;
        this.logger.debug({ store: STORE_NAME, streamId: snapshot.streamId, attempt }, 'snapshot saved concurrently, checking again');
      }
    }
    throw new Error(`snapshot of ${snapshot.streamId} kept conflicting with concurrent saves (${MAX_ATTEMPTS} attempts)`);
  }

  /** The newest snapshot event; one that is not a snapshot document reads as none (a snapshot is only an optimisation). */
  private async latest(streamId: string): Promise<{ snapshot: Snapshot | null; streamRevision: bigint } | null> {
    const [event] = await this.store.readRaw(snapshotStreamOf(streamId), { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    if (!event) return null;
    if (!isSnapshotData(event.data)) {
      this.logger.warn({ store: STORE_NAME, streamId, eventId: event.id }, 'ignoring a snapshot that is not a snapshot document');
      return { snapshot: null, streamRevision: event.revision };
    }
    const { revision, stateVersion, state } = event.data;
    return { snapshot: { streamId, revision, stateVersion, state }, streamRevision: event.revision };
  }
}
