import { MemoryCheckpointStore } from '../../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../../src/adapters/memory/memory-documents';
import { MemoryParkedEventStore } from '../../../src/adapters/memory/memory-parked-event-store';
import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import { MemorySnapshotStore } from '../../../src/adapters/memory/memory-snapshot-store';
import type { ReadModelDefinition } from '../../../src/application/ports';
import { checkpointStoreContract } from '../checkpoint-store.contract';
import { parkedEventStoreContract } from '../parked-event-store.contract';
import { readModelStoreContract } from '../read-model-store.contract';
import { readSideContract } from '../read-side.contract';
import { snapshotStoreContract } from '../snapshot-store.contract';

const dispose = async () => {};

/** A read side on documents of its own: `definitions`, or the real read-model definitions when none are given. */
const readSide = async (definitions?: readonly ReadModelDefinition[]) => {
  const documents = new MemoryDocuments();
  return { readModels: new MemoryReadModelStore(documents, definitions), checkpoints: new MemoryCheckpointStore(documents), dispose };
};

readModelStoreContract('memory', readSide);
readSideContract('memory', readSide);
checkpointStoreContract('memory', async () => ({ checkpoints: new MemoryCheckpointStore(), dispose }));
snapshotStoreContract('memory', async () => ({ snapshots: new MemorySnapshotStore(), dispose }));
parkedEventStoreContract('memory', async () => ({ parked: new MemoryParkedEventStore(), dispose }));

describe('memory read side, beyond the contracts', () => {
  it('leases expire on the injected clock, exactly at expiresAt', async () => {
    let now = Date.parse('2024-01-01T00:00:00.000Z');
    const checkpoints = new MemoryCheckpointStore(new MemoryDocuments(), { now: () => new Date(now) });

    expect(await checkpoints.tryAcquireLease('p', 'a', 1_000)).toBe(true);
    expect(await checkpoints.leaseOf('p')).toEqual({ owner: 'a', expiresAt: '2024-01-01T00:00:01.000Z' });
    now += 999;
    expect(await checkpoints.tryAcquireLease('p', 'b', 1_000)).toBe(false);
    now += 1;
    expect(await checkpoints.leaseOf('p')).toBeNull();
    expect(await checkpoints.tryAcquireLease('p', 'b', 1_000)).toBe(true);
    expect(await checkpoints.leaseOf('p')).toEqual({ owner: 'b', expiresAt: '2024-01-01T00:00:02.000Z' });
  });
});
