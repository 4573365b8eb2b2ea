import { MemoryCheckpointStore } from '../adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../adapters/memory/memory-documents';
import { MemoryEventStore } from '../adapters/memory/memory-event-store';
import { MemoryIdempotencyStore } from '../adapters/memory/memory-idempotency-store';
import { MemoryParkedEventStore } from '../adapters/memory/memory-parked-event-store';
import { MemoryPersistentSubscriptions } from '../adapters/memory/memory-persistent-subscriptions';
import { MemoryReadModelStore } from '../adapters/memory/memory-read-model-store';
import { MemorySnapshotStore } from '../adapters/memory/memory-snapshot-store';
import type { EventCodec } from '../adapters/codec';
import type { EventStoreBundle, ReadStoreBundle } from './stores';

const alwaysHealthy = (name: string) => ({ name, check: async () => ({ ok: true, detail: 'in process' }) });

export const memoryEventStore = (codec?: EventCodec): EventStoreBundle => {
  const eventStore = new MemoryEventStore(codec);
  const persistent = new MemoryPersistentSubscriptions(eventStore);
  return {
    eventStore,
    persistent,
    health: alwaysHealthy('event store (memory)'),
    close: async () => {
      await persistent.close();
      await eventStore.close();
    },
  };
};

export const memoryReadStore = (): ReadStoreBundle => {
  const documents = new MemoryDocuments();
  return {
    readModels: new MemoryReadModelStore(documents),
    checkpoints: new MemoryCheckpointStore(documents),
    parked: new MemoryParkedEventStore(),
    snapshots: new MemorySnapshotStore(),
    idempotency: new MemoryIdempotencyStore(),
    health: alwaysHealthy('read store (memory)'),
    close: async () => {},
  };
};
