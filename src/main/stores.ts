import type {
  CheckpointStore,
  EventStore,
  HealthCheck,
  IdempotencyStore,
  ParkedEventStore,
  PersistentSubscriptions,
  ReadModelStore,
  SnapshotStore,
} from '../application/ports';

/** What an event-store adapter family provides. */
export interface EventStoreBundle {
  readonly eventStore: EventStore;
  readonly persistent: PersistentSubscriptions | null;
  /** Snapshots kept next to the events (EventStoreDB); otherwise the read store keeps them. */
  readonly snapshots?: SnapshotStore | null;
  readonly health: HealthCheck;
  close(): Promise<void>;
}

/** What a read-store adapter family provides. */
export interface ReadStoreBundle {
  readonly readModels: ReadModelStore;
  readonly checkpoints: CheckpointStore;
  readonly parked: ParkedEventStore;
  readonly snapshots: SnapshotStore;
  readonly idempotency: IdempotencyStore;
  readonly health: HealthCheck;
  close(): Promise<void>;
}
