/** Configuration from environment variables only, validated at start: one clear line per bad variable. */

export type Role = 'reader' | 'writer' | 'admin';
export type EventStoreKind = 'memory' | 'postgres' | 'eventstoredb';
export type ReadStoreKind = 'memory' | 'postgres' | 'mongodb';

export interface Config {
  readonly nodeEnv: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** API key → role. Empty: the API is open (refused in production). */
  readonly apiKeys: ReadonlyMap<string, Role>;
  readonly eventStore: EventStoreKind;
  readonly readStore: ReadStoreKind;
  readonly databaseUrl: string | null;
  readonly databaseSchema: string;
  readonly eventStoreUrl: string | null;
  readonly eventStoreTimeoutMs: number;
  readonly mongodbUrl: string | null;
  readonly mongodbDb: string;
  readonly consistencyTimeoutMs: number;
  readonly snapshotEvery: number;
  readonly projectionBatchSize: number;
  readonly projectionIdleTimeoutMs: number;
  readonly leaseTtlMs: number;
  readonly persistentMaxRetries: number;
  readonly persistentMessageTimeoutMs: number;
  readonly persistentGroupPrefix: string;
  readonly shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Every variable the service reads, with what it means: README and the Docker tests check against this list. */
export const CONFIG_VARIABLES = {
  NODE_ENV: 'production refuses to start without API_KEYS',
  HOST: 'interface to listen on (default 127.0.0.1; use 0.0.0.0 in containers)',
  PORT: 'HTTP port (default 3000)',
  LOG_LEVEL: 'fatal|error|warn|info|debug|trace|silent (default info)',
  API_KEYS: 'comma-separated key=role pairs, roles reader|writer|admin (admin ⊃ writer ⊃ reader)',
  EVENT_STORE: 'memory|postgres|eventstoredb (default: eventstoredb if EVENTSTORE_URL, postgres if DATABASE_URL, else memory)',
  READ_STORE: 'memory|postgres|mongodb (default: mongodb if MONGODB_URL, postgres if DATABASE_URL, else memory)',
  DATABASE_URL: 'PostgreSQL connection string (postgres://user@host:5432/db)',
  DATABASE_SCHEMA: 'PostgreSQL schema for all tables (default public)',
  EVENTSTORE_URL: 'EventStoreDB connection string (esdb://host:2113?tls=false)',
  EVENTSTORE_TIMEOUT_MS: 'upper bound of every EventStoreDB call (default 10000)',
  MONGODB_URL: 'MongoDB connection string (mongodb://host:27017/?replicaSet=rs0)',
  MONGODB_DB: 'MongoDB database name (default order_service)',
  CONSISTENCY_TIMEOUT_MS: 'how long a query with X-Min-Position waits (default 2000)',
  SNAPSHOT_EVERY: 'snapshot an aggregate every N events, 0 = never (default 50)',
  PROJECTION_BATCH_SIZE: 'events per projection batch (default 250)',
  PROJECTION_IDLE_TIMEOUT_MS: 'resubscribe when a subscription is silent this long (default 60000)',
  LEASE_TTL_MS: 'projection lease time-to-live (default 15000)',
  PERSISTENT_MAX_RETRIES: 'deliveries before a persistent-subscription event is parked (default 10)',
  PERSISTENT_MESSAGE_TIMEOUT_MS: 'persistent-subscription ack timeout (default 30000)',
  PERSISTENT_GROUP_PREFIX: 'prefix of the persistent subscription group names; distinct per deployment sharing one EventStoreDB (default order-service-)',
  SHUTDOWN_TIMEOUT_MS: 'how long a graceful shutdown may take before exiting (default 10000)',
} as const;

const ROLES: readonly Role[] = ['reader', 'writer', 'admin'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const problems: string[] = [];
  const text = (name: keyof typeof CONFIG_VARIABLES) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  const integer = (name: keyof typeof CONFIG_VARIABLES, fallback: number, min: number, max: number) => {
    const raw = text(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}="${raw}" must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: keyof typeof CONFIG_VARIABLES, allowed: readonly T[], fallback: T): T => {
    const raw = text(name);
    if (raw === null) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name}="${raw}" must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };
  const url = (name: keyof typeof CONFIG_VARIABLES, schemes: readonly string[]) => {
    const raw = text(name);
    if (raw === null) return null;
    const scheme = raw.split(':')[0] ?? '';
    if (!schemes.includes(scheme)) problems.push(`${name} must start with ${schemes.map((s) => `${s}://`).join(' or ')}`);
    return raw;
  };

  const apiKeys = new Map<string, Role>();
  // Entries are named by their place, never by their text: that would print a secret into the logs.
  for (const [index, pair] of (text('API_KEYS') ?? '').split(',').filter((p) => p.trim() !== '').entries()) {
    const [key, role, ...rest] = pair.trim().split('=');
    if (!key || !role || rest.length > 0 || !(ROLES as readonly string[]).includes(role)) {
      problems.push(`API_KEYS entry #${index + 1} must be key=reader|writer|admin`);
    } else if (key.length < 8) {
      problems.push('API_KEYS keys must be at least 8 characters long');
    } else {
      apiKeys.set(key, role as Role);
    }
  }

  const databaseUrl = url('DATABASE_URL', ['postgres', 'postgresql']);
  const eventStoreUrl = url('EVENTSTORE_URL', ['esdb', 'esdb+discover']);
  const mongodbUrl = url('MONGODB_URL', ['mongodb', 'mongodb+srv']);
  const eventStore = oneOf<EventStoreKind>('EVENT_STORE', ['memory', 'postgres', 'eventstoredb'], eventStoreUrl ? 'eventstoredb' : databaseUrl ? 'postgres' : 'memory');
  const readStore = oneOf<ReadStoreKind>('READ_STORE', ['memory', 'postgres', 'mongodb'], mongodbUrl ? 'mongodb' : databaseUrl ? 'postgres' : 'memory');
  if ((eventStore === 'postgres' || readStore === 'postgres') && !databaseUrl) problems.push('DATABASE_URL is required when a store is postgres');
  if (eventStore === 'eventstoredb' && !eventStoreUrl) problems.push('EVENTSTORE_URL is required when EVENT_STORE=eventstoredb');
  if (readStore === 'mongodb' && !mongodbUrl) problems.push('MONGODB_URL is required when READ_STORE=mongodb');
  // Durable read models over a volatile event log would outlive the events they were built from.
  if (eventStore === 'memory' && readStore !== 'memory') problems.push(`READ_STORE=${readStore} needs a durable EVENT_STORE (postgres or eventstoredb), not memory`);

  const nodeEnv = text('NODE_ENV') ?? 'development';
  if (nodeEnv === 'production' && apiKeys.size === 0) problems.push('API_KEYS must be set when NODE_ENV=production');
  const schema = text('DATABASE_SCHEMA') ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) problems.push(`DATABASE_SCHEMA="${schema}" must be a lower-case SQL identifier`);
  const persistentGroupPrefix = text('PERSISTENT_GROUP_PREFIX') ?? 'order-service-';
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(persistentGroupPrefix)) problems.push(`PERSISTENT_GROUP_PREFIX="${persistentGroupPrefix}" must be 1-100 letters, digits, "_", "." or "-"`);
  const mongodbDb = text('MONGODB_DB') ?? 'order_service';
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(mongodbDb)) problems.push(`MONGODB_DB="${mongodbDb}" must be 1-63 letters, digits, "_" or "-"`);

  const config: Config = {
    nodeEnv,
    host: text('HOST') ?? '127.0.0.1',
    port: integer('PORT', 3000, 0, 65535),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    apiKeys,
    eventStore,
    readStore,
    databaseUrl,
    databaseSchema: schema,
    eventStoreUrl,
    eventStoreTimeoutMs: integer('EVENTSTORE_TIMEOUT_MS', 10_000, 100, 600_000),
    mongodbUrl,
    mongodbDb,
    consistencyTimeoutMs: integer('CONSISTENCY_TIMEOUT_MS', 2_000, 0, 60_000),
    snapshotEvery: integer('SNAPSHOT_EVERY', 50, 0, 1_000_000),
    projectionBatchSize: integer('PROJECTION_BATCH_SIZE', 250, 1, 10_000),
    projectionIdleTimeoutMs: integer('PROJECTION_IDLE_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
    leaseTtlMs: integer('LEASE_TTL_MS', 15_000, 1_000, 600_000),
    persistentMaxRetries: integer('PERSISTENT_MAX_RETRIES', 10, 0, 1_000),
    persistentMessageTimeoutMs: integer('PERSISTENT_MESSAGE_TIMEOUT_MS', 30_000, 1_000, 3_600_000),
    persistentGroupPrefix,
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
};

/** For entry points: the configuration, or null after printing every problem to stderr. */
export const loadConfigOrReport = (env: NodeJS.ProcessEnv = process.env): Config | null => {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return null;
  }
};
