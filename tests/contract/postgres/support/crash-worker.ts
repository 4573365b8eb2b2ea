// The projection worker as its own process, for the crash test: the Application on the PostgreSQL stores
// with every projection running catch-up, started under a fixed owner (a restarted worker takes its
// leases back at once). Prints "ready" once started; SIGTERM stops it gracefully, SIGKILL is the test.
// Run: node --require ./tests/support/swc-register.cjs tests/contract/postgres/support/crash-worker.ts
import type { Logger } from '../../../../src/application/ports';
import { openPostgresApp } from './postgres-application';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`crash worker: ${name} is not set`);
  return value;
};

/** Warnings and errors to stderr (the test prints them when something goes wrong). */
const stderrLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => process.stderr.write(`WARN ${message} ${JSON.stringify(fields, (_, v: unknown) => (v instanceof Error ? v.message : v))}\n`),
  error: (fields, message) => process.stderr.write(`ERROR ${message} ${JSON.stringify(fields, (_, v: unknown) => (v instanceof Error ? v.message : v))}\n`),
};

const main = async (): Promise<void> => {
  const service = await openPostgresApp(
    { connectionString: env('TEST_DATABASE_URL'), schema: env('CRASH_SCHEMA'), logger: stderrLogger, poolSize: 8 },
    {
      logger: stderrLogger,
      // Small batches: many commits, so a kill often lands between a batch's reads and its commit.
      runner: { batchSize: Number(process.env.CRASH_BATCH_SIZE ?? 25), standbyPollMs: 50, leaseTtlMs: 10_000, retryBaseMs: 20, rebuildPollMs: 60_000 },
    },
  );
  service.app.startProjections(env('CRASH_OWNER'));
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
};

main().catch((error: unknown) => {
  process.stderr.write(`crash worker failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
