// One rule for every EventStoreDB contract spec (tests/support/setup/eventstoredb.ts): EVENTSTORE_URL,
// else a container when a runtime was found, else the suite is registered as skipped with one line
// naming the reason — skipped, not failed and not silently absent.
import { EventCodec } from '../../../src/adapters/codec';
import { connectEventStoreDb, createEventStoreDbAdapters, type EventStoreDbAdapters } from '../../../src/adapters/eventstoredb';
import { silentLogger } from '../../../src/application/ports';
import { eventStoreDbTarget, provideEventStoreDb, type RunningEventStoreDb } from '../../support/setup/eventstoredb';

/** Long enough for a container to be pulled and started. */
const START_TIMEOUT_MS = 240_000;

/** Generous: the server is shared by parallel suites and the call bound is part of what is tested. */
export const CALL_TIMEOUT_MS = 10_000;

// One codec per test file: compiling the schemas once keeps a fresh adapter per test cheap.
const codec = new EventCodec();

/**
 * `describe(title, define)` with an EventStoreDB to talk to: `server()` gives it inside hooks and tests.
 * Without one, the same tests are registered under describe.skip and one line says why.
 */
export const describeWithEventStoreDb = (title: string, define: (server: () => RunningEventStoreDb) => void): void => {
  const target = eventStoreDbTarget();
  if (target.kind === 'skip') {
    process.stdout.write(`EventStoreDB suites skipped: ${target.reason}\n`);
    describe.skip(title, () =>
      define(() => {
        throw new Error('EventStoreDB suites are skipped');
      }),
    );
    return;
  }
  describe(title, () => {
    let running: RunningEventStoreDb | undefined;
    beforeAll(async () => {
      running = await provideEventStoreDb(target);
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await running?.stop();
    }, START_TIMEOUT_MS);
    define(() => {
      if (!running) throw new Error('EventStoreDB did not start (see beforeAll)');
      return running;
    });
  });
};

/** The adapters on a fresh client to `server`. */
export const openAdapters = (server: RunningEventStoreDb): EventStoreDbAdapters =>
  createEventStoreDbAdapters({ connect: () => connectEventStoreDb(server.connectionString), timeoutMs: CALL_TIMEOUT_MS, logger: silentLogger, codec });
