import type { EventStore, HealthCheck, Logger, PersistentSubscriptions, SnapshotStore } from '../../application/ports';
import { EventCodec } from '../codec';
import { connectEventStoreDb, validateConnectionString, type EventStoreDbClient } from './client';
import { EventStoreDbConnection } from './connection';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { EventStoreDbPersistentSubscriptions } from './eventstoredb-persistent-subscriptions';
import { EventStoreDbSnapshotStore } from './eventstoredb-snapshot-store';

export { connectEventStoreDb, validateConnectionString, type EventStoreDbClient } from './client';
export { EventStoreDbConnection } from './connection';
export { EventStoreDbEventStore, READ_ALL_PAGE_SIZE, storedMetadataOf, toExpectedRevision } from './eventstoredb-event-store';
export { EventStoreDbPersistentSubscriptions, parkedStreamOf, toPersistentAction } from './eventstoredb-persistent-subscriptions';
export { EventStoreDbSnapshotStore, SNAPSHOT_EVENT_TYPE, snapshotStreamOf } from './eventstoredb-snapshot-store';
export { CHECKPOINT_INTERVAL } from './catch-up-subscription';
export { isUnavailable, STORE_NAME, toStoreError } from './errors';
export { toEsdbPosition, toPosition } from './positions';
export { SNAPSHOT_STREAM_PREFIX } from './recorded-events';
export { OperationTimedOut, withTimeout } from './timeout';

export interface EventStoreDbOptions {
  connectionString: string;
  /** Upper bound of every call (EVENTSTORE_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  codec?: EventCodec;
}

/** The adapters over one connection, as their concrete classes (tests reach into them). */
export interface EventStoreDbAdapters {
  readonly connection: EventStoreDbConnection;
  readonly eventStore: EventStoreDbEventStore;
  readonly persistent: EventStoreDbPersistentSubscriptions;
  readonly snapshots: EventStoreDbSnapshotStore;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** Builds the adapters on any client: the real one (below) or a test double. */
export const createEventStoreDbAdapters = (options: {
  readonly connect: () => EventStoreDbClient;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly codec?: EventCodec;
}): EventStoreDbAdapters => {
  const codec = options.codec ?? new EventCodec();
  const connection = new EventStoreDbConnection(options.connect, options.timeoutMs, options.logger);
  const eventStore = new EventStoreDbEventStore(connection, codec, options.logger);
  const health: HealthCheck = {
    name: 'eventstoredb',
    async check() {
      try {
        const head = await eventStore.headPosition();
        return { ok: true, detail: head === null ? 'reachable, empty log' : `reachable, head at ${head}` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
  return {
    connection,
    eventStore,
    persistent: new EventStoreDbPersistentSubscriptions(connection, eventStore, codec, options.logger),
    snapshots: new EventStoreDbSnapshotStore(connection, eventStore, options.logger),
    health,
    close: () => connection.close(),
  };
};

/**
 * EventStoreDB as the source of truth (selected by EVENTSTORE_URL): the event store, its persistent
 * subscription groups, aggregate snapshots and a health check, over one client. The connection string
 * must be esdb:// or esdb+discover://; the client connects lazily, so an unreachable server shows in
 * the health check and as StoreUnavailable on calls, not here.
 */
export async function createEventStoreDbEventStore(o: EventStoreDbOptions): Promise<{
  eventStore: EventStore;
  persistent: PersistentSubscriptions;
  snapshots: SnapshotStore | null;
  health: HealthCheck;
  close(): Promise<void>;
}> {
  const connectionString = validateConnectionString(o.connectionString);
  const { eventStore, persistent, snapshots, health, close } = createEventStoreDbAdapters({
    connect: () => connectEventStoreDb(connectionString),
    timeoutMs: o.timeoutMs,
    logger: o.logger,
    ...(o.codec ? { codec: o.codec } : {}),
  });
  return { eventStore, persistent, snapshots, health, close };
}
