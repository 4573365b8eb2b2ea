import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { assertSchemaName, quoteIdent, storeError, type ConnectionSettings } from './postgres-connection';

/** The versioned SQL files next to this module (`npm run build` copies them to dist/). */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** An applied migration whose file has changed since: the database no longer matches the code. */
export class MigrationChecksumMismatch extends Error {
  constructor(
    readonly migration: string,
    readonly schema: string,
  ) {
    super(`Migration ${migration} applied to schema ${schema} has changed since (checksum mismatch): restore the file or write a new migration`);
    this.name = 'MigrationChecksumMismatch';
  }
}

/** The migration files of `dir`, in version order. Line endings do not count towards the checksum. */
export const loadMigrations = (dir: string = MIGRATIONS_DIR): Migration[] => {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  const versions = new Set<string>();
  return files.map((file) => {
    const match = FILE.exec(file);
    if (!match) throw new Error(`Unexpected migration file ${file} in ${dir}: expected NNN_description.sql`);
    const version = match[1] as string;
    if (versions.has(version)) throw new Error(`Two migrations with version ${version} in ${dir}`);
    versions.add(version);
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
};

/**
 * Brings `schema` up to date: creates it if missing, refuses to go on when an applied migration changed,
 * applies the pending ones in order and records each in schema_migrations — all in one transaction under
 * an advisory lock, so two processes starting at once apply everything exactly once. Returns the names
 * of the migrations applied by this call.
 */
export const applyMigrations = async (settings: ConnectionSettings, dir: string = MIGRATIONS_DIR): Promise<string[]> => {
  assertSchemaName(settings.schema);
  const migrations = loadMigrations(dir);
  const schema = quoteIdent(settings.schema);
  const client = new Client({ connectionString: settings.connectionString, connectionTimeoutMillis: 10_000, application_name: 'order-service-migrate' });
  client.on('error', (error) => settings.logger.warn({ err: error }, 'migration connection failed'));
  try {
    await client.connect();
  } catch (error) {
    throw storeError(error);
  }
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('order-service-migrations'), hashtext($1))", [settings.schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         name text COLLATE "C" PRIMARY KEY,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const applied = new Map(
      (await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${schema}.schema_migrations`)).rows.map((row) => [row.name, row.checksum]),
    );
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined && checksum !== migration.checksum) throw new MigrationChecksumMismatch(migration.name, settings.schema);
    }
    const unknown = [...applied.keys()].filter((name) => !migrations.some((migration) => migration.name === name));
    if (unknown.length > 0) settings.logger.warn({ schema: settings.schema, unknown }, 'the database has migrations this build does not know (a newer version ran)');

    const pending = migrations.filter((migration) => !applied.has(migration.name));
    // Unqualified names in the files land in the schema; functions keep it (SET search_path FROM CURRENT).
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${schema}.schema_migrations (name, checksum) VALUES ($1, $2)`, [migration.name, migration.checksum]);
    }
    await client.query('COMMIT');
    if (pending.length > 0) settings.logger.info({ schema: settings.schema, applied: pending.map((m) => m.name) }, 'PostgreSQL migrations applied');
    return pending.map((migration) => migration.name);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw storeError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
};
