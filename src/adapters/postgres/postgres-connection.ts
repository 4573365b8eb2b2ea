import { Pool, type PoolClient } from 'pg';
import { StoreUnavailable, type HealthCheck, type Logger } from '../../application/ports';

/** Where and how to reach PostgreSQL; every table, function and sequence lives in `schema`. */
export interface ConnectionSettings {
  readonly connectionString: string;
  readonly schema: string;
  readonly logger: Logger;
  readonly poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names are lower-case SQL identifiers (what DATABASE_SCHEMA accepts); they are quoted anyway. */
export const assertSchemaName = (schema: string): void => {
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`PostgreSQL schema "${schema}" must be a lower-case SQL identifier`);
};

/** A double-quoted SQL identifier. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The channel append_events NOTIFYs (see events_channel() in migrations/001_event_store.sql). */
export const eventsChannel = (schema: string): string => `events:${schema.slice(0, 50)}`;

export const createPool = (settings: ConnectionSettings, applicationName: string): Pool => {
  assertSchemaName(settings.schema);
  const pool = new Pool({
    connectionString: settings.connectionString,
    max: settings.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
  });
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (error) => settings.logger.warn({ err: error, schema: settings.schema }, 'idle PostgreSQL connection failed'));
  return pool;
};

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/** True for errors that say "the server cannot be reached right now" rather than "this statement is wrong". */
export const isUnavailable = (error: unknown): boolean => {
  // Duck-typed: socket errors come from Node's own realm, where `instanceof Error` can fail (e.g. under jest).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message)
  );
};

/** Rethrows connection problems as StoreUnavailable (callers may retry); everything else unchanged. */
export const storeError = (error: unknown): unknown =>
  isUnavailable(error) ? new StoreUnavailable('PostgreSQL', String((error as { message?: unknown }).message), { cause: error }) : error;

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Runs `work` in one transaction on one pooled connection: COMMIT on success, ROLLBACK on any error. */
export const inTransaction = async <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storeError(error);
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // A connection that cannot even roll back is discarded rather than returned to the pool.
      broken = rollbackError as Error;
    }
    throw storeError(error);
  } finally {
    client.release(broken);
  }
};

/** Runs one statement on the pool, mapping connection problems to StoreUnavailable. */
export const query = async <R extends Record<string, unknown>>(pool: Pool, text: string, values: readonly unknown[] = []): Promise<R[]> => {
  try {
    return (await pool.query<R>(text, values as unknown[])).rows;
  } catch (error) {
    throw storeError(error);
  }
};

/** Readiness: one round trip, bounded in time. */
export const poolHealth = (name: string, pool: Pool, timeoutMs = 2_000): HealthCheck => ({
  name,
  async check() {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([pool.query('SELECT 1'), timeout]);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  },
});
