// The e2e suite on the production topology: EventStoreDB events, MongoDB read models. Runs against
// EVENTSTORE_URL / MONGODB_URL, or containers where a runtime exists; otherwise skipped with one line.
import { randomUUID } from 'node:crypto';
import { createPinoLogger } from '../../src/adapters/runtime/pino-logger';
import { loadConfig } from '../../src/main/config';
import { createService } from '../../src/main/service';
import { mongoAvailability, startMongo, type StartedMongo } from '../contract/mongodb/server';
import { eventStoreDbTarget, provideEventStoreDb, type RunningEventStoreDb } from '../support/setup/eventstoredb';
import { e2eSuite } from './e2e.suite';

const eventStoreDb = eventStoreDbTarget();
const mongo = mongoAvailability();
const reasons = [
  ...(eventStoreDb.kind === 'skip' ? [`EventStoreDB: ${eventStoreDb.reason}`] : []),
  ...(mongo.available ? [] : [`MongoDB: ${mongo.reason}`]),
];
if (reasons.length > 0) process.stdout.write(`E2E on EventStoreDB + MongoDB skipped: ${reasons.join('; ')}\n`);

(reasons.length > 0 ? describe.skip : describe)('on EventStoreDB + MongoDB', () => {
  let events: RunningEventStoreDb | null = null;
  let reads: StartedMongo | null = null;
  beforeAll(async () => {
    if (eventStoreDb.kind === 'skip' || !mongo.available) return;
    [events, reads] = await Promise.all([provideEventStoreDb(eventStoreDb), startMongo(mongo.source, 'e2e')]);
  }, 240_000);
  afterAll(async () => {
    await Promise.allSettled([events?.stop(), reads?.stop()]);
  }, 60_000);

  e2eSuite(
    'HTTP API on EventStoreDB + MongoDB (createService)',
    async ({ apiKeys, consistencyTimeoutMs }) => {
      if (!events || !reads) throw new Error('the servers did not start');
      const config = loadConfig({
        NODE_ENV: 'test',
        API_KEYS: [...apiKeys].map(([key, role]) => `${key}=${role}`).join(','),
        CONSISTENCY_TIMEOUT_MS: String(consistencyTimeoutMs),
        EVENTSTORE_URL: events.connectionString,
        MONGODB_URL: reads.server.url,
        // Each service of the suite gets its own read database and its own persistent groups on the shared server.
        MONGODB_DB: `${reads.server.dbName}_${randomUUID().slice(0, 8)}`,
        PERSISTENT_GROUP_PREFIX: `e2e-${randomUUID().slice(0, 8)}-`,
      });
      const service = await createService(config, 'all', { pino: createPinoLogger('silent') });
      service.startProjections();
      return { app: service.http, close: () => service.close() };
    },
    { consistencyTimeoutMs: 5_000, timeoutMs: 60_000 },
  );
});
