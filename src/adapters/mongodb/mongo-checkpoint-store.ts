import type { Db, Document } from 'mongodb';
import type { CheckpointStore, Lease, Position } from '../../application/ports';
import { internalCollections } from './mongo-collections';
import { isDuplicateKey, mongoCall } from './mongo-errors';
import type { CheckpointRecord } from './mongo-read-model-store';

/** One document per projection, apart from its checkpoint so lease renewals never conflict with a commit's transaction. */
export interface LeaseRecord {
  _id: string;
  owner?: string;
  expiresAt?: Date;
  rebuildRequested?: true;
}

/**
 * Who may take the lease: its holder (renewal), or anyone once it is free or expired — decided by
 * the server, on its own clock ($$NOW). The condition lives in the update pipeline, not in the filter:
 * MongoDB refuses `$expr` in the query of an upsert ("$expr is not allowed in the query predicate
 * for an upsert"), and `$$NOW` can only be read through `$expr`.
 */
export const leaseUpdate = (owner: string, ttlMs: number): Document[] => {
  const takes = { $or: [{ $eq: ['$owner', { $literal: owner }] }, { $not: [{ $gt: ['$expiresAt', '$$NOW'] }] }] };
  return [
    {
      $set: {
        owner: { $cond: [takes, { $literal: owner }, '$owner'] },
        expiresAt: { $cond: [takes, { $add: ['$$NOW', ttlMs] }, '$expiresAt'] },
      },
    },
  ];
};

/**
 * Checkpoints (written by MongoReadModelStore.commit), leases and rebuild requests. Each operation
 * is a single-document atomic update, so concurrent callers cannot both win a lease or a request.
 */
export class MongoCheckpointStore implements CheckpointStore {
  constructor(private readonly db: Db) {}

  async load(projection: string): Promise<Position | null> {
    const record = await mongoCall(() => this.checkpoints().findOne({ _id: projection }, { projection: { position: 1 } }));
    return record?.position ?? null;
  }

  async tryAcquireLease(projection: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
    if (owner === '') throw new RangeError('owner must not be empty');
    try {
      // Filter on _id alone: the server retries an upsert that races another insert of the same _id,
      // then evaluates the pipeline on the document that won, atomically.
      const record = await mongoCall(() =>
        this.leases().findOneAndUpdate({ _id: projection }, leaseUpdate(owner, Math.ceil(ttlMs)), {
          upsert: true,
          returnDocument: 'after',
          projection: { owner: 1 },
        }),
      );
      return record?.owner === owner;
    } catch (error) {
      // Should the server not retry the racing insert, the other inserter holds the lease.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async releaseLease(projection: string, owner: string): Promise<void> {
    await mongoCall(() => this.leases().updateOne({ _id: projection, owner }, { $unset: { owner: '', expiresAt: '' } }));
  }

  /** The current holder; an expired lease is reported as no lease (by the server's clock). */
  async leaseOf(projection: string): Promise<Lease | null> {
    const record = await mongoCall(() =>
      this.leases().findOne({ _id: projection, owner: { $exists: true }, $expr: { $gt: ['$expiresAt', '$$NOW'] } }, { projection: { owner: 1, expiresAt: 1 } }),
    );
    return record?.owner !== undefined && record.expiresAt instanceof Date ? { owner: record.owner, expiresAt: record.expiresAt.toISOString() } : null;
  }

  async requestRebuild(projection: string): Promise<void> {
    await mongoCall(() => this.leases().updateOne({ _id: projection }, { $set: { rebuildRequested: true } }, { upsert: true }));
  }

  async takeRebuildRequest(projection: string): Promise<boolean> {
    const before = await mongoCall(() =>
      this.leases().findOneAndUpdate({ _id: projection, rebuildRequested: true }, { $unset: { rebuildRequested: '' } }, { projection: { _id: 1 } }),
    );
    return before !== null;
  }

  private checkpoints() {
    return this.db.collection<CheckpointRecord>(internalCollections.checkpoints);
  }

  private leases() {
    return this.db.collection<LeaseRecord>(internalCollections.leases);
  }
}
