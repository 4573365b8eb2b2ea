import type { Pool } from 'pg';
import type { ParkedEvent, ParkedEventStore } from '../../application/ports';
import { query, quoteIdent, type ConnectionSettings } from './postgres-connection';

interface ParkedRow extends Record<string, unknown> {
  id: string;
  projection: string;
  event_id: string;
  stream_id: string;
  revision: string;
  position: string;
  type: string;
  error: string;
  attempts: number;
  parked_at: string;
}

const COLUMNS = 'id, projection, event_id, stream_id, revision, position, type, error, attempts, parked_at';

const toParked = (row: ParkedRow): ParkedEvent => ({
  id: row.id,
  projection: row.projection,
  eventId: row.event_id,
  streamId: row.stream_id,
  revision: Number(row.revision),
  position: row.position,
  type: row.type,
  error: row.error,
  attempts: row.attempts,
  parkedAt: row.parked_at,
});

/** Parked events in a table; parking an id again keeps the first record. Oldest first: parkedAt, then id. */
export class PostgresParkedEventStore implements ParkedEventStore {
  private readonly schema: string;

  constructor(
    private readonly pool: Pool,
    settings: ConnectionSettings,
  ) {
    this.schema = quoteIdent(settings.schema);
  }

  async park(event: ParkedEvent): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO ${this.schema}.parked_events (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [event.id, event.projection, event.eventId, event.streamId, event.revision, event.position, event.type, event.error, event.attempts, event.parkedAt],
    );
  }

  async list(options: { readonly projection?: string; readonly limit: number }): Promise<ParkedEvent[]> {
    const { projection, limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const rows =
      projection === undefined
        ? await query<ParkedRow>(this.pool, `SELECT ${COLUMNS} FROM ${this.schema}.parked_events ORDER BY parked_at, id LIMIT $1`, [limit])
        : await query<ParkedRow>(this.pool, `SELECT ${COLUMNS} FROM ${this.schema}.parked_events WHERE projection = $1 ORDER BY parked_at, id LIMIT $2`, [
            projection,
            limit,
          ]);
    return rows.map(toParked);
  }

  async get(id: string): Promise<ParkedEvent | null> {
    const [row] = await query<ParkedRow>(this.pool, `SELECT ${COLUMNS} FROM ${this.schema}.parked_events WHERE id = $1`, [id]);
    return row ? toParked(row) : null;
  }

  async remove(id: string): Promise<void> {
    await query(this.pool, `DELETE FROM ${this.schema}.parked_events WHERE id = $1`, [id]);
  }

  async count(projection?: string): Promise<number> {
    const [row] =
      projection === undefined
        ? await query<{ count: string }>(this.pool, `SELECT count(*) AS count FROM ${this.schema}.parked_events`)
        : await query<{ count: string }>(this.pool, `SELECT count(*) AS count FROM ${this.schema}.parked_events WHERE projection = $1`, [projection]);
    return Number(row?.count ?? 0);
  }
}
