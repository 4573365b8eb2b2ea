// The e2e suite against the service as `npm start` composes it (src/main createService, memory stores):
// the same routes through the composition root, its metrics and its readiness checks.
import { createPinoLogger } from '../../src/adapters/runtime/pino-logger';
import { loadConfig } from '../../src/main/config';
import { createService } from '../../src/main/service';
import { e2eSuite } from './e2e.suite';

e2eSuite(
  'HTTP API composed by createService (memory stores)',
  async ({ apiKeys, consistencyTimeoutMs }) => {
    const config = loadConfig({
      NODE_ENV: 'test',
      API_KEYS: [...apiKeys].map(([key, role]) => `${key}=${role}`).join(','),
      CONSISTENCY_TIMEOUT_MS: String(consistencyTimeoutMs),
    });
    const service = await createService(config, 'all', { pino: createPinoLogger('silent') });
    service.startProjections();
    return {
      app: service.http,
      close: () => service.close(),
      park: (event) => service.reads.parked.park(event),
    };
  },
  { parking: true },
);
