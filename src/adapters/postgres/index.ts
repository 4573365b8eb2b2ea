import type {
  CheckpointStore,
  EventStore,
  HealthCheck,
  IdempotencyStore,
  Logger,
  ParkedEventStore,
  ReadModelDefinition,
  ReadModelStore,
  SnapshotStore,
} from '../../application/ports';
import { readModelDefinitions } from '../../application/projections/read-models';
import { EventCodec } from '../codec';
import { applyMigrations } from './migrator';
import { createPool, poolHealth } from './postgres-connection';
import { PostgresCheckpointStore } from './postgres-checkpoint-store';
import { PostgresEventStore } from './postgres-event-store';
import { PostgresIdempotencyStore } from './postgres-idempotency-store';
import { PostgresParkedEventStore } from './postgres-parked-event-store';
import { PostgresReadModelStore } from './postgres-read-model-store';
import { PostgresSnapshotStore } from './postgres-snapshot-store';

export { applyMigrations, loadMigrations, MigrationChecksumMismatch, MIGRATIONS_DIR } from './migrator';
export { PostgresEventStore } from './postgres-event-store';
export { PostgresReadModelStore, tableName } from './postgres-read-model-store';
export { PostgresCheckpointStore } from './postgres-checkpoint-store';
export { PostgresParkedEventStore } from './postgres-parked-event-store';
export { PostgresSnapshotStore } from './postgres-snapshot-store';
export { PostgresIdempotencyStore } from './postgres-idempotency-store';

export interface PostgresOptions {
  readonly connectionString: string;
  /** Every table, function and sequence lives here; created if missing. */
  readonly schema: string;
  readonly logger: Logger;
  /** Defaults to a codec over schemas/ with the service's upcasters. */
  readonly codec?: EventCodec;
  /** Connections per pool (one pool per factory call); default 10. */
  readonly poolSize?: number;
  /** Read-model collections, their indexes and text fields; defaults to the service's (read-models.ts). */
  readonly readModelDefinitions?: readonly ReadModelDefinition[];
}

/** Applies the pending migrations of src/adapters/postgres/migrations; returns the names applied now. */
export async function migrate(o: PostgresOptions): Promise<string[]> {
  return applyMigrations(o);
}

/** The event store on PostgreSQL (no server-side subscription groups: `persistent` is null). */
export async function createPostgresEventStore(
  o: PostgresOptions,
): Promise<{ eventStore: EventStore; persistent: null; health: HealthCheck; close(): Promise<void> }> {
  await applyMigrations(o);
  const pool = createPool(o, 'order-service-events');
  const eventStore = new PostgresEventStore(pool, o.codec ?? new EventCodec(), o);
  let closing: Promise<void> | null = null;
  return {
    eventStore,
    persistent: null,
    health: poolHealth('postgres-event-store', pool),
    close: () =>
      (closing ??= (async () => {
        await eventStore.close();
        await pool.end();
      })()),
  };
}

/** Read models, checkpoints, parked events, snapshots and idempotency records on PostgreSQL (one pool). */
export async function createPostgresReadStore(o: PostgresOptions): Promise<{
  readModels: ReadModelStore;
  checkpoints: CheckpointStore;
  parked: ParkedEventStore;
  snapshots: SnapshotStore;
  idempotency: IdempotencyStore;
  health: HealthCheck;
  close(): Promise<void>;
}> {
  await applyMigrations(o);
  const pool = createPool(o, 'order-service-read-models');
  let closing: Promise<void> | null = null;
  return {
    readModels: new PostgresReadModelStore(pool, o, o.readModelDefinitions ?? readModelDefinitions),
    checkpoints: new PostgresCheckpointStore(pool, o),
    parked: new PostgresParkedEventStore(pool, o),
    snapshots: new PostgresSnapshotStore(pool, o),
    idempotency: new PostgresIdempotencyStore(pool, o),
    health: poolHealth('postgres-read-store', pool),
    close: () => (closing ??= pool.end()),
  };
}
