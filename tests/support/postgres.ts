// PostgreSQL for the test files of the contract project: the run's database comes from the global setup
// (tests/support/setup/postgres.ts); each file works in schemas of its own, so files can run in parallel.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventCodec } from '../../src/adapters/codec';
import type { PostgresOptions } from '../../src/adapters/postgres';
import { silentLogger } from '../../src/application/ports';

/** The URL of this run's database; throws (never skips) when the global setup did not run. */
export const testDatabaseUrl = (): string => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set: PostgreSQL tests belong to the contract project (jest --selectProjects contract), whose global setup creates the database');
  }
  return url;
};

/** A schema name no other test uses: `t_<label>_<random>`. */
export const freshSchema = (label: string): string => {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(label)) throw new RangeError(`schema label "${label}" must be a short lower-case identifier`);
  return `t_${label}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
};

/** Compiling the event schemas once per file keeps a fresh store per test cheap. */
let codec: EventCodec | undefined;
export const sharedCodec = (): EventCodec => (codec ??= new EventCodec());

export const postgresOptions = (schema: string, overrides: Partial<PostgresOptions> = {}): PostgresOptions => ({
  connectionString: testDatabaseUrl(),
  schema,
  logger: silentLogger,
  codec: sharedCodec(),
  ...overrides,
});

/** A plain connection to the run's database, for what the adapters do not expose (held transactions, raw SQL). */
export const connect = async (): Promise<Client> => {
  const client = new Client({ connectionString: testDatabaseUrl(), application_name: 'order-service-test' });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

/** Runs `work` on a fresh connection and closes it. */
export const withConnection = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
  const client = await connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

export const dropSchema = (schema: string): Promise<void> =>
  withConnection(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
