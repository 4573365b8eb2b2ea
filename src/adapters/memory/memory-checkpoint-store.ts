import type { CheckpointStore, Clock, Lease, Position } from '../../application/ports';
import { MemoryDocuments } from './memory-documents';

const systemClock: Clock = { now: () => new Date() };

/**
 * Checkpoints, leases and rebuild requests in memory. Shares its MemoryDocuments with the
 * MemoryReadModelStore whose commits write the checkpoints. Every method checks and changes
 * state without awaiting in between, so concurrent callers cannot both win a lease.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  constructor(
    private readonly documents: MemoryDocuments = new MemoryDocuments(),
    private readonly clock: Clock = systemClock,
  ) {}

  async load(projection: string): Promise<Position | null> {
    return this.documents.checkpoints.get(projection) ?? null;
  }

  async tryAcquireLease(projection: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
    const now = this.clock.now().getTime();
    const current = this.documents.leases.get(projection);
    if (current && current.owner !== owner && !isExpired(current, now)) return false;
    this.documents.leases.set(projection, { owner, expiresAt: new Date(now + ttlMs).toISOString() });
    return true;
  }

  async releaseLease(projection: string, owner: string): Promise<void> {
    if (this.documents.leases.get(projection)?.owner === owner) this.documents.leases.delete(projection);
  }

  /** The current holder; an expired lease is reported as no lease. */
  async leaseOf(projection: string): Promise<Lease | null> {
    const lease = this.documents.leases.get(projection);
    return lease && !isExpired(lease, this.clock.now().getTime()) ? { ...lease } : null;
  }

  async requestRebuild(projection: string): Promise<void> {
    this.documents.rebuildRequests.add(projection);
  }

  async takeRebuildRequest(projection: string): Promise<boolean> {
    return this.documents.rebuildRequests.delete(projection);
  }
}

const isExpired = (lease: Lease, now: number): boolean => Date.parse(lease.expiresAt) <= now;
