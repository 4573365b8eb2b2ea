// The composition root: the only place that knows which adapter fills which port.
import 'reflect-metadata';
import { Container } from 'inversify';
import { Application, defaultApplicationOptions, type ApplicationOptions } from '../application/application';
import { EventCodec } from '../adapters/codec';
import { JsonSchemaCommandValidator } from '../adapters/codec/command-validator';
import { createPinoLogger, loggerPort, type PinoLogger } from '../adapters/runtime/pino-logger';
import { PrometheusMetrics } from '../adapters/runtime/prometheus-metrics';
import { systemClock } from '../adapters/runtime/system-clock';
import { uuidIdGenerator } from '../adapters/runtime/uuid-id-generator';
import type { Config } from './config';
import { openEventStore, openReadStore } from './open-stores';
import type { EventStoreBundle, ReadStoreBundle } from './stores';
import { TOKENS } from './tokens';

export interface ContainerOverrides {
  /** Replace the logger (tests pass a silent one). */
  readonly pino?: PinoLogger;
  readonly eventStore?: () => Promise<EventStoreBundle>;
  readonly readStore?: () => Promise<ReadStoreBundle>;
}

export const applicationOptions = (config: Config): ApplicationOptions => ({
  ...defaultApplicationOptions,
  executor: { ...defaultApplicationOptions.executor, snapshotEvery: config.snapshotEvery },
  runner: {
    ...defaultApplicationOptions.runner,
    batchSize: config.projectionBatchSize,
    idleTimeoutMs: config.projectionIdleTimeoutMs,
    leaseTtlMs: config.leaseTtlMs,
  },
  consistencyTimeoutMs: config.consistencyTimeoutMs,
  persistentGroupPrefix: config.persistentGroupPrefix,
  persistentSettings: {
    ...defaultApplicationOptions.persistentSettings,
    maxRetryCount: config.persistentMaxRetries,
    messageTimeoutMs: config.persistentMessageTimeoutMs,
  },
});

export const createContainer = (config: Config, overrides: ContainerOverrides = {}): Container => {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Pino).toResolvedValue(() => overrides.pino ?? createPinoLogger(config.logLevel));
  container.bind(TOKENS.Logger).toResolvedValue(loggerPort, [TOKENS.Pino]);
  container.bind(TOKENS.Metrics).toResolvedValue(() => new PrometheusMetrics());
  container.bind(TOKENS.Clock).toConstantValue(systemClock);
  container.bind(TOKENS.Ids).toConstantValue(uuidIdGenerator);
  container.bind(TOKENS.Codec).toResolvedValue(() => new EventCodec());
  container.bind(TOKENS.CommandValidator).toResolvedValue(() => new JsonSchemaCommandValidator());
  container
    .bind(TOKENS.EventStore)
    .toResolvedValue((cfg: Config, logger, codec) => overrides.eventStore?.() ?? openEventStore(cfg, logger, codec), [TOKENS.Config, TOKENS.Logger, TOKENS.Codec]);
  container
    .bind(TOKENS.ReadStore)
    .toResolvedValue((cfg: Config, logger) => overrides.readStore?.() ?? openReadStore(cfg, logger), [TOKENS.Config, TOKENS.Logger]);
  container.bind(TOKENS.Application).toResolvedValue(
    (cfg: Config, events: EventStoreBundle, reads: ReadStoreBundle, clock, ids, logger, metrics, commandValidator) =>
      new Application(
        {
          eventStore: events.eventStore,
          persistent: events.persistent,
          snapshots: events.snapshots ?? reads.snapshots,
          readModels: reads.readModels,
          checkpoints: reads.checkpoints,
          parked: reads.parked,
          clock,
          ids,
          logger,
          metrics,
          commandValidator,
        },
        applicationOptions(cfg),
      ),
    [TOKENS.Config, TOKENS.EventStore, TOKENS.ReadStore, TOKENS.Clock, TOKENS.Ids, TOKENS.Logger, TOKENS.Metrics, TOKENS.CommandValidator],
  );
  return container;
};
