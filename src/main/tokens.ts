import type { ServiceIdentifier } from 'inversify';
import type { Application } from '../application/application';
import type { Clock, IdGenerator, Logger } from '../application/ports';
import type { CommandValidator } from '../application/commands/command-bus';
import type { EventCodec } from '../adapters/codec';
import type { PinoLogger } from '../adapters/runtime/pino-logger';
import type { PrometheusMetrics } from '../adapters/runtime/prometheus-metrics';
import type { Config } from './config';
import type { EventStoreBundle, ReadStoreBundle } from './stores';

const token = <T>(name: string): ServiceIdentifier<T> => Symbol.for(`order-service.${name}`);

/** Every service the container knows, typed. */
export const TOKENS = {
  Config: token<Config>('Config'),
  Pino: token<PinoLogger>('Pino'),
  Logger: token<Logger>('Logger'),
  Metrics: token<PrometheusMetrics>('Metrics'),
  Clock: token<Clock>('Clock'),
  Ids: token<IdGenerator>('Ids'),
  Codec: token<EventCodec>('Codec'),
  CommandValidator: token<CommandValidator>('CommandValidator'),
  EventStore: token<EventStoreBundle>('EventStoreBundle'),
  ReadStore: token<ReadStoreBundle>('ReadStoreBundle'),
  Application: token<Application>('Application'),
} as const;
