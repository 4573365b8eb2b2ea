import type { EventCodec } from '../adapters/codec';
import type * as EventStoreDbAdapter from '../adapters/eventstoredb';
import type * as MongoAdapter from '../adapters/mongodb';
import type * as PostgresAdapter from '../adapters/postgres';
import type { Logger } from '../application/ports';
import type { Config } from './config';
import { memoryEventStore, memoryReadStore } from './memory-stores';
import type { EventStoreBundle, ReadStoreBundle } from './stores';

// Adapters are required only when configured, so the embedded mode never loads a database client.
/* eslint-disable @typescript-eslint/no-require-imports */
const postgres = () => require('../adapters/postgres') as typeof PostgresAdapter;
const eventStoreDb = () => require('../adapters/eventstoredb') as typeof EventStoreDbAdapter;
const mongo = () => require('../adapters/mongodb') as typeof MongoAdapter;
/* eslint-enable @typescript-eslint/no-require-imports */

const postgresOptions = (config: Config, logger: Logger, codec?: EventCodec) => ({
  connectionString: config.databaseUrl as string,
  schema: config.databaseSchema,
  logger,
  ...(codec ? { codec } : {}),
});

export const openEventStore = async (config: Config, logger: Logger, codec: EventCodec): Promise<EventStoreBundle> => {
  switch (config.eventStore) {
    case 'memory':
      return memoryEventStore(codec);
    case 'postgres': {
      const { createPostgresEventStore } = postgres();
      return createPostgresEventStore(postgresOptions(config, logger, codec));
    }
    case 'eventstoredb': {
      const { createEventStoreDbEventStore } = eventStoreDb();
      return createEventStoreDbEventStore({ connectionString: config.eventStoreUrl as string, timeoutMs: config.eventStoreTimeoutMs, logger, codec });
    }
  }
};

export const openReadStore = async (config: Config, logger: Logger): Promise<ReadStoreBundle> => {
  switch (config.readStore) {
    case 'memory':
      return memoryReadStore();
    case 'postgres': {
      const { createPostgresReadStore } = postgres();
      return createPostgresReadStore(postgresOptions(config, logger));
    }
    case 'mongodb': {
      const { createMongoReadStore } = mongo();
      return createMongoReadStore({ url: config.mongodbUrl as string, dbName: config.mongodbDb, logger });
    }
  }
};

/** `npm run migrate`: applies the PostgreSQL migrations (they also run at start, idempotently). */
export const migrateStores = async (config: Config, logger: Logger): Promise<string[]> => {
  if (config.eventStore !== 'postgres' && config.readStore !== 'postgres') {
    throw new Error('migrate applies PostgreSQL migrations: set DATABASE_URL (EVENT_STORE or READ_STORE must be postgres)');
  }
  const { migrate } = postgres();
  return migrate(postgresOptions(config, logger));
};
