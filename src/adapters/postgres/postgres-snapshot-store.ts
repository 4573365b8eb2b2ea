import type { Pool } from 'pg';
import type { Snapshot, SnapshotStore } from '../../application/ports';
import { query, quoteIdent, type ConnectionSettings } from './postgres-connection';

/** The newest snapshot per stream; an equal revision replaces (a new stateVersion re-snapshots it), an older one never does. */
export class PostgresSnapshotStore implements SnapshotStore {
  private readonly schema: string;

  constructor(
    private readonly pool: Pool,
    settings: ConnectionSettings,
  ) {
    this.schema = quoteIdent(settings.schema);
  }

  async load(streamId: string): Promise<Snapshot | null> {
    const [row] = await query<{ revision: string; state_version: number; state: unknown }>(
      this.pool,
      `SELECT revision, state_version, state FROM ${this.schema}.snapshots WHERE stream_id = $1`,
      [streamId],
    );
    return row ? { streamId, revision: Number(row.revision), stateVersion: row.state_version, state: row.state } : null;
  }

  async save(snapshot: Snapshot): Promise<void> {
    const state = JSON.stringify(snapshot.state);
    if (state === undefined) throw new TypeError(`The snapshot of ${snapshot.streamId} cannot be stored as JSON`);
    await query(
      this.pool,
      `INSERT INTO ${this.schema}.snapshots AS s (stream_id, revision, state_version, state) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (stream_id) DO UPDATE SET revision = EXCLUDED.revision, state_version = EXCLUDED.state_version, state = EXCLUDED.state
        WHERE s.revision <= EXCLUDED.revision`,
      [snapshot.streamId, snapshot.revision, snapshot.stateVersion, state],
    );
  }
}
