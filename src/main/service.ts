import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createHttpApp, createProbeApp } from '../adapters/http';
import type { Application } from '../application/application';
import type { Logger } from '../application/ports';
import type { PinoLogger } from '../adapters/runtime/pino-logger';
import type { Config } from './config';
import { createContainer, type ContainerOverrides } from './container';
import { httpMetrics } from './http-metrics';
import type { EventStoreBundle, ReadStoreBundle } from './stores';
import { TOKENS } from './tokens';

/** api: HTTP only · worker: projections + probes · all: both in one process (the embedded default). */
export type ServiceMode = 'api' | 'worker' | 'all';

export interface Service {
  readonly config: Config;
  readonly mode: ServiceMode;
  readonly application: Application;
  readonly http: Express;
  readonly logger: Logger;
  readonly events: EventStoreBundle;
  readonly reads: ReadStoreBundle;
  listen(): Promise<AddressInfo>;
  startProjections(): void;
  /** Graceful: stop accepting, finish in-flight requests, let runners finish their batch, close the stores. */
  close(): Promise<void>;
}

export const createService = async (config: Config, mode: ServiceMode, overrides: ContainerOverrides = {}): Promise<Service> => {
  if (mode !== 'all' && config.eventStore === 'memory') {
    throw new Error(`EVENT_STORE=memory keeps events inside one process: run the all-in-one service (npm start), or configure durable stores for ${mode}`);
  }
  const container = createContainer(config, overrides);
  const application = await container.getAsync(TOKENS.Application);
  const events = await container.getAsync(TOKENS.EventStore);
  const reads = await container.getAsync(TOKENS.ReadStore);
  const logger = container.get(TOKENS.Logger);
  const pino: PinoLogger = container.get(TOKENS.Pino);
  const metrics = httpMetrics(container.get(TOKENS.Metrics), application.operations);
  const readiness = [events.health, reads.health];
  const http =
    mode === 'worker'
      ? createProbeApp({ application, metrics, readiness, logger })
      : createHttpApp({
          application,
          idempotency: reads.idempotency,
          ids: container.get(TOKENS.Ids),
          clock: container.get(TOKENS.Clock),
          logger,
          metrics,
          apiKeys: config.apiKeys,
          readiness,
        });
  let server: Server | null = null;
  const owner = `${process.pid}-${container.get(TOKENS.Ids).newId().slice(0, 8)}`;

  return {
    config,
    mode,
    application,
    http,
    logger,
    events,
    reads,
    listen: () =>
      new Promise((resolve, reject) => {
        const listening = http.listen(config.port, config.host, () => resolve(listening.address() as AddressInfo));
        listening.once('error', reject);
        server = listening;
      }),
    startProjections: () => {
      if (mode !== 'api') application.startProjections(owner);
    },
    close: async () => {
      const closing = server ? new Promise<void>((resolve) => (server as Server).close(() => resolve())) : Promise.resolve();
      (server as Server | null)?.closeIdleConnections();
      await closing;
      await application.stopProjections();
      await Promise.allSettled([events.close(), reads.close()]);
      pino.flush();
    },
  };
};
