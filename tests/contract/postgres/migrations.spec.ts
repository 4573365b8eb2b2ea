// Migrations: versioned SQL files, applied once and recorded with a checksum, safe to run twice and from
// several processes at once; a changed file that was already applied stops the service from starting.
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyMigrations,
  createPostgresEventStore,
  createPostgresReadStore,
  migrate,
  MigrationChecksumMismatch,
  MIGRATIONS_DIR,
} from '../../../src/adapters/postgres';
import { StoreUnavailable, silentLogger } from '../../../src/application/ports';
import { freshSchema, postgresOptions, withConnection } from '../../support/postgres';

const files = readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql')).sort();
const names = files.map((file) => file.replace(/\.sql$/, ''));

const recorded = (schema: string) =>
  withConnection(async (client) => (await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "${schema}".schema_migrations ORDER BY name`)).rows);

const tablesOf = (schema: string) =>
  withConnection(async (client) => (await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])).rows.map((row) => row.table_name));

/** A copy of the migrations folder to change. */
const copyOfMigrations = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'order-service-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
};

describe('PostgreSQL migrations', () => {
  const temporary: string[] = [];
  afterAll(() => {
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });

  it('has versioned files NNN_description.sql', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) expect(file).toMatch(/^\d{3}_[a-z0-9_]+\.sql$/);
  });

  it('creates the schema, applies every migration once and records it with the checksum of its file', async () => {
    const schema = freshSchema('migrate');

    expect(await migrate(postgresOptions(schema))).toEqual(names);
    expect(await recorded(schema)).toEqual(
      files.map((file) => ({
        name: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(readFileSync(join(MIGRATIONS_DIR, file), 'utf8').replace(/\r\n/g, '\n')).digest('hex'),
      })),
    );
    expect(await tablesOf(schema)).toEqual(expect.arrayContaining(['events', 'streams', 'checkpoints', 'leases', 'parked_events', 'snapshots', 'idempotency_records', 'schema_migrations']));

    expect(await migrate(postgresOptions(schema))).toEqual([]);
    expect(await recorded(schema)).toHaveLength(files.length);
  });

  it('from several processes at once: each migration is applied by exactly one of them', async () => {
    const schema = freshSchema('migrate_race');

    const [a, b, c] = await Promise.all([migrate(postgresOptions(schema)), migrate(postgresOptions(schema)), migrate(postgresOptions(schema))]);
    const opened = await Promise.all([createPostgresEventStore(postgresOptions(schema)), createPostgresReadStore(postgresOptions(schema))]);
    await Promise.all(opened.map((store) => store.close()));

    expect([...a, ...b, ...c].sort()).toEqual(names);
    expect(await recorded(schema)).toHaveLength(files.length);
  });

  it('applies a new migration file on the next start, after the ones already applied', async () => {
    const schema = freshSchema('migrate_new');
    const dir = copyOfMigrations();
    temporary.push(dir);
    await migrate(postgresOptions(schema));
    writeFileSync(join(dir, '999_add_probe.sql'), 'CREATE TABLE probe (n integer);\n');

    expect(await applyMigrations(postgresOptions(schema), dir)).toEqual(['999_add_probe']);
    expect(await tablesOf(schema)).toContain('probe');
    expect(await applyMigrations(postgresOptions(schema), dir)).toEqual([]);
  });

  it('refuses to start when an applied migration changed, and changes nothing', async () => {
    const schema = freshSchema('migrate_changed');
    const dir = copyOfMigrations();
    temporary.push(dir);
    await migrate(postgresOptions(schema));
    appendFileSync(join(dir, files[0] as string), '\n-- an edit after the fact\n');
    writeFileSync(join(dir, '999_add_probe.sql'), 'CREATE TABLE probe (n integer);\n');

    const error = await applyMigrations(postgresOptions(schema), dir).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MigrationChecksumMismatch);
    expect(error).toMatchObject({ migration: names[0], schema });
    expect(await tablesOf(schema)).not.toContain('probe');
    expect(await recorded(schema)).toHaveLength(files.length);
  });

  it('the stores refuse to open on a database whose recorded checksum differs', async () => {
    const schema = freshSchema('migrate_tampered');
    await migrate(postgresOptions(schema));
    await withConnection((client) => client.query(`UPDATE "${schema}".schema_migrations SET checksum = 'tampered' WHERE name = $1`, [names[1]]));

    await expect(createPostgresEventStore(postgresOptions(schema))).rejects.toBeInstanceOf(MigrationChecksumMismatch);
    await expect(createPostgresReadStore(postgresOptions(schema))).rejects.toBeInstanceOf(MigrationChecksumMismatch);
  });

  it('rejects a migration file that does not follow the naming scheme', async () => {
    const dir = copyOfMigrations();
    temporary.push(dir);
    writeFileSync(join(dir, 'add-things.sql'), 'SELECT 1;\n');

    await expect(applyMigrations(postgresOptions(freshSchema('migrate_bad')), dir)).rejects.toThrow(/NNN_description\.sql/);
  });

  it('reports an unreachable server as StoreUnavailable', async () => {
    const options = { connectionString: 'postgres://postgres@127.0.0.1:1/test', schema: 'unreachable', logger: silentLogger };

    await expect(migrate(options)).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(createPostgresEventStore(options)).rejects.toBeInstanceOf(StoreUnavailable);
  });
});
