import type { Db } from 'mongodb';
import type { Snapshot, SnapshotStore } from '../../application/ports';
import { internalCollections } from './mongo-collections';
import { assertRevision, storableJson } from './mongo-documents';
import { isDuplicateKey, mongoCall } from './mongo-errors';

type SnapshotRecord = Omit<Snapshot, 'streamId'> & { _id: string };

/** The newest snapshot per stream; the same revision replaces (a new stateVersion re-snapshots it). */
export class MongoSnapshotStore implements SnapshotStore {
  constructor(private readonly db: Db) {}

  async load(streamId: string): Promise<Snapshot | null> {
    const record = await mongoCall(() => this.snapshots().findOne({ _id: streamId }));
    if (!record) return null;
    const { _id, revision, stateVersion, state } = record;
    return { streamId: _id, revision, stateVersion, state };
  }

  async save(snapshot: Snapshot): Promise<void> {
    assertRevision(snapshot.revision);
    const { streamId, revision, stateVersion, state } = storableJson(snapshot, `Snapshot of ${snapshot.streamId}`);
    // Guarded upsert: E11000 = a newer snapshot is stored. The first one may also have lost an insert race: try once more.
    for (let attempt = 1; ; attempt++) {
      try {
        await mongoCall(() =>
          this.snapshots().updateOne({ _id: streamId, revision: { $lte: revision } }, { $set: { revision, stateVersion, state } }, { upsert: true }),
        );
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        if (attempt === 2) return;
      }
    }
  }

  private snapshots() {
    return this.db.collection<SnapshotRecord>(internalCollections.snapshots);
  }
}
