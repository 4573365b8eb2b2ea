// The e2e suite on PostgreSQL (event store and read side): the real database every CI run has.
import { createPinoLogger } from '../../src/adapters/runtime/pino-logger';
import { loadConfig } from '../../src/main/config';
import { createService } from '../../src/main/service';
import { dropSchema, freshSchema, testDatabaseUrl } from '../support/postgres';
import { e2eSuite } from './e2e.suite';

e2eSuite(
  'HTTP API on PostgreSQL (createService, EVENT_STORE=postgres, READ_STORE=postgres)',
  async ({ apiKeys, consistencyTimeoutMs }) => {
    const schema = freshSchema('e2e');
    const config = loadConfig({
      NODE_ENV: 'test',
      API_KEYS: [...apiKeys].map(([key, role]) => `${key}=${role}`).join(','),
      CONSISTENCY_TIMEOUT_MS: String(consistencyTimeoutMs),
      DATABASE_URL: testDatabaseUrl(),
      DATABASE_SCHEMA: schema,
    });
    expect([config.eventStore, config.readStore]).toEqual(['postgres', 'postgres']);
    const service = await createService(config, 'all', { pino: createPinoLogger('silent') });
    service.startProjections();
    return {
      app: service.http,
      close: async () => {
        await service.close();
        await dropSchema(schema);
      },
      park: (event) => service.reads.parked.park(event),
    };
  },
  { parking: true },
);
