import { Client } from 'pg';

/**
 * One PostgreSQL database per test run (`order_service_test_<pid>_<ms>`), so concurrent runs never
 * collide; each test file then works in a schema of its own (tests/support/postgres.ts). The URL reaches
 * the test workers as TEST_DATABASE_URL. PostgreSQL is required: when it is unreachable the run fails here,
 * with the reason, instead of skipping the suites. TEST_DATABASE_URL set beforehand: that database is used
 * as it is (and never dropped).
 */

const RUN_DATABASE = /^order_service_(?:test|bench)_\d+_(\d{13})$/;
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** The server and maintenance database to create test databases from (trust auth on 127.0.0.1 by default). */
export const adminDatabaseUrl = (env: NodeJS.ProcessEnv = process.env): string =>
  env.TEST_DATABASE_ADMIN_URL ??
  `postgres://${encodeURIComponent(env.PGUSER ?? 'postgres')}@${env.PGHOST ?? '127.0.0.1'}:${env.PGPORT ?? '5432'}/${env.PGDATABASE ?? 'test'}`;

const withoutPassword = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

const connectAdmin = async (url: string): Promise<Client> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: 'order-service-test-setup' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is required by the contract and e2e suites but is not reachable at ${withoutPassword(url)}: ${(error as Error).message}. ` +
        'Start it (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`; CI: .ci/run does) ' +
        'or point TEST_DATABASE_ADMIN_URL at a server where this user may CREATE DATABASE.',
    );
  }
};

/** Creates this run's database (dropping test databases older than a day first) and exports its URL. */
export const preparePostgres = async (): Promise<void> => {
  if (process.env.TEST_DATABASE_URL) return;
  const adminUrl = adminDatabaseUrl();
  const admin = await connectAdmin(adminUrl);
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'order\\_service\\_%'");
    for (const { datname } of rows) {
      const created = RUN_DATABASE.exec(datname)?.[1];
      if (created !== undefined && Date.now() - Number(created) > STALE_AFTER_MS) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
      }
    }
    const name = `order_service_test_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    process.env.TEST_DATABASE_URL = url.toString();
    process.env.TEST_DATABASE_NAME = name;
  } finally {
    await admin.end();
  }
};

/** Drops the database preparePostgres created (closing connections a killed test process may have left). */
export const dropPostgres = async (): Promise<void> => {
  const name = process.env.TEST_DATABASE_NAME;
  if (!name) return;
  delete process.env.TEST_DATABASE_NAME;
  delete process.env.TEST_DATABASE_URL;
  const admin = await connectAdmin(adminDatabaseUrl());
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
};
