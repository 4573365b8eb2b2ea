import type { Pool } from 'pg';
import type { IdempotencyRecord, IdempotencyStore } from '../../application/ports';
import { query, quoteIdent, type ConnectionSettings } from './postgres-connection';

/** Idempotency records shared by every API replica: the first writer of a key wins. */
export class PostgresIdempotencyStore implements IdempotencyStore {
  private readonly schema: string;

  constructor(
    private readonly pool: Pool,
    settings: ConnectionSettings,
  ) {
    this.schema = quoteIdent(settings.schema);
  }

  async get(key: string): Promise<IdempotencyRecord | null> {
    const [row] = await query<{ record: IdempotencyRecord }>(this.pool, `SELECT record FROM ${this.schema}.idempotency_records WHERE key = $1`, [key]);
    return row?.record ?? null;
  }

  async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const text = JSON.stringify(record);
    const inserted = await query<{ record: IdempotencyRecord }>(
      this.pool,
      `INSERT INTO ${this.schema}.idempotency_records (key, record) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING RETURNING record`,
      [record.key, text],
    );
    if (inserted[0]) return inserted[0].record;
    // A separate statement: its snapshot sees the row of the writer that won (ON CONFLICT waited for it).
    const stored = await this.get(record.key);
    if (!stored) throw new Error(`idempotency record ${record.key} vanished`);
    return stored;
  }
}
