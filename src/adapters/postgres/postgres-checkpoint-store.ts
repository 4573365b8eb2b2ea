import type { Pool } from 'pg';
import type { CheckpointStore, Lease, Position } from '../../application/ports';
import { query, quoteIdent, type ConnectionSettings } from './postgres-connection';

/**
 * Checkpoints (written by PostgresReadModelStore.commit in the read-model transaction), leases and rebuild
 * requests. A lease is a row with its owner and an expiry on the database clock, taken by one atomic
 * INSERT … ON CONFLICT … WHERE, so racing runners cannot both win.
 */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly schema: string;

  constructor(
    private readonly pool: Pool,
    settings: ConnectionSettings,
  ) {
    this.schema = quoteIdent(settings.schema);
  }

  async load(projection: string): Promise<Position | null> {
    const [row] = await query<{ position: string }>(this.pool, `SELECT position FROM ${this.schema}.checkpoints WHERE projection = $1`, [projection]);
    return row?.position ?? null;
  }

  async tryAcquireLease(projection: string, owner: string, ttlMs: number): Promise<boolean> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
    const rows = await query(
      this.pool,
      `INSERT INTO ${this.schema}.leases AS l (projection, owner, expires_at)
       VALUES ($1, $2, clock_timestamp() + $3::double precision * interval '1 millisecond')
       ON CONFLICT (projection) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
        WHERE l.owner = EXCLUDED.owner OR l.expires_at <= clock_timestamp()
       RETURNING owner`,
      [projection, owner, Math.ceil(ttlMs)],
    );
    return rows.length === 1;
  }

  async releaseLease(projection: string, owner: string): Promise<void> {
    await query(this.pool, `DELETE FROM ${this.schema}.leases WHERE projection = $1 AND owner = $2`, [projection, owner]);
  }

  /** The current holder; an expired lease is reported as no lease. */
  async leaseOf(projection: string): Promise<Lease | null> {
    const [row] = await query<{ owner: string; expires_at: Date }>(
      this.pool,
      `SELECT owner, expires_at FROM ${this.schema}.leases WHERE projection = $1 AND expires_at > clock_timestamp()`,
      [projection],
    );
    return row ? { owner: row.owner, expiresAt: row.expires_at.toISOString() } : null;
  }

  async requestRebuild(projection: string): Promise<void> {
    await query(this.pool, `INSERT INTO ${this.schema}.rebuild_requests (projection) VALUES ($1) ON CONFLICT DO NOTHING`, [projection]);
  }

  async takeRebuildRequest(projection: string): Promise<boolean> {
    const rows = await query(this.pool, `DELETE FROM ${this.schema}.rebuild_requests WHERE projection = $1 RETURNING projection`, [projection]);
    return rows.length === 1;
  }
}
