import type { Position } from './position';

export interface Lease {
  readonly owner: string;
  readonly expiresAt: string;
}

/**
 * Where a projection is in the log, and who may run it. Checkpoints are written together with
 * read-model changes by ReadModelStore.commit; this port reads them and arbitrates runners.
 */
export interface CheckpointStore {
  load(projection: string): Promise<Position | null>;
  /**
   * Takes the lease when it is free, expired, or already held by `owner` (then it is renewed).
   * Returns false when another owner holds an unexpired lease.
   */
  tryAcquireLease(projection: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` holds it; otherwise does nothing. */
  releaseLease(projection: string, owner: string): Promise<void>;
  leaseOf(projection: string): Promise<Lease | null>;
  /** Asks whichever process runs the projection to rebuild it (the API and the worker may be different processes). */
  requestRebuild(projection: string): Promise<void>;
  /** True once per request: clears the request it reports. */
  takeRebuildRequest(projection: string): Promise<boolean>;
}
