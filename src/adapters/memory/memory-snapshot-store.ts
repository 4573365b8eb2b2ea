import type { Snapshot, SnapshotStore } from '../../application/ports';
import { jsonCopy } from './memory-documents';

/** The newest snapshot per stream. Equal revisions replace (a new stateVersion re-snapshots the same revision). */
export class MemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, Snapshot>();

  async load(streamId: string): Promise<Snapshot | null> {
    const snapshot = this.snapshots.get(streamId);
    return snapshot ? jsonCopy(snapshot) : null;
  }

  async save(snapshot: Snapshot): Promise<void> {
    const stored = this.snapshots.get(snapshot.streamId);
    if (stored && stored.revision > snapshot.revision) return;
    this.snapshots.set(snapshot.streamId, jsonCopy(snapshot));
  }
}
