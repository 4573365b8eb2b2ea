import { loadConfigOrReport } from './config';
import { createService, type Service, type ServiceMode } from './service';

/** Starts a service from the environment and stops it gracefully on SIGTERM/SIGINT. */
export const run = async (mode: ServiceMode): Promise<Service> => {
  const config = loadConfigOrReport();
  if (!config) process.exit(1);
  const service = await createService(config, mode);
  if (mode !== 'worker' && config.apiKeys.size === 0) {
    service.logger.warn({}, '!!! API_KEYS is empty: the API is OPEN — anyone can read and write. Set API_KEYS (key=reader|writer|admin) before exposing it.');
  }
  const address = await service.listen();
  service.startProjections();
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  service.logger.info({ url, mode, eventStore: config.eventStore, readStore: config.readStore }, `order service (${mode}) listening on ${url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      service.logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        service.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return service;
};

export const fail = (error: unknown): never => {
  process.stderr.write(`order service failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
};
