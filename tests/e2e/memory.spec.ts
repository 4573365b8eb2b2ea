// The e2e suite on the memory adapters, wired by tests/support/http.ts.
import { buildTestService } from '../support/http';
import { e2eSuite } from './e2e.suite';

e2eSuite(
  'HTTP API on the memory adapters',
  async ({ apiKeys, consistencyTimeoutMs }) => {
    const service = await buildTestService({ apiKeys, consistencyTimeoutMs });
    return {
      app: service.app,
      close: () => service.close(),
      park: (event) => service.stores.parked.park(event),
      injectConflicts: (count) => service.injectConflicts(count),
    };
  },
  { conflicts: true, parking: true },
);
