import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, loadConfig, loadConfigOrReport } from '../../src/main/config';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('configuration from the environment', () => {
  it('defaults to the embedded mode on 127.0.0.1:3000, open, with the documented tunables', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1', port: 3000, eventStore: 'memory', readStore: 'memory', logLevel: 'info',
      consistencyTimeoutMs: 2_000, snapshotEvery: 50, projectionBatchSize: 250, leaseTtlMs: 15_000,
      persistentGroupPrefix: 'order-service-', databaseSchema: 'public', mongodbDb: 'order_service',
    });
    expect(config.apiKeys.size).toBe(0);
  });

  it('parses API keys with their roles', () => {
    const config = loadConfig({ API_KEYS: 'reader-key-1=reader, writer-key-1=writer,admin-key-01=admin' });
    expect([...config.apiKeys]).toEqual([['reader-key-1', 'reader'], ['writer-key-1', 'writer'], ['admin-key-01', 'admin']]);
  });

  it('chooses stores from the URLs given, and lets EVENT_STORE / READ_STORE override', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toMatchObject({ eventStore: 'postgres', readStore: 'postgres' });
    expect(loadConfig({ EVENTSTORE_URL: 'esdb://h:2113?tls=false', MONGODB_URL: 'mongodb://h:27017' })).toMatchObject({ eventStore: 'eventstoredb', readStore: 'mongodb' });
    expect(loadConfig({ EVENTSTORE_URL: 'esdb://h:2113', DATABASE_URL: 'postgres://u@h/db' })).toMatchObject({ eventStore: 'eventstoredb', readStore: 'postgres' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', READ_STORE: 'memory' })).toMatchObject({ eventStore: 'postgres', readStore: 'memory' });
  });

  it.each([
    [{ PORT: '70000' }, 'PORT="70000" must be an integer from 0 to 65535'],
    [{ PORT: 'http' }, 'PORT="http" must be an integer'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud" must be one of'],
    [{ EVENT_STORE: 'mysql' }, 'EVENT_STORE="mysql" must be one of memory, postgres, eventstoredb'],
    [{ API_KEYS: 'abc' }, 'API_KEYS entry #1 must be key=reader|writer|admin'],
    [{ API_KEYS: 'reader-key-1=reader,some-long-key=owner' }, 'API_KEYS entry #2 must be key=reader|writer|admin'],
    [{ API_KEYS: 'short=admin' }, 'API_KEYS keys must be at least 8 characters long'],
    [{ EVENT_STORE: 'postgres' }, 'DATABASE_URL is required when a store is postgres'],
    [{ EVENT_STORE: 'eventstoredb' }, 'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb'],
    [{ EVENTSTORE_URL: 'kurrentdb://h:2113' }, 'EVENTSTORE_URL must start with esdb:// or esdb+discover://'],
    [{ DATABASE_URL: 'mysql://h/db' }, 'DATABASE_URL must start with postgres:// or postgresql://'],
    [{ READ_STORE: 'mongodb', MONGODB_URL: 'mongodb://h' }, 'READ_STORE=mongodb needs a durable EVENT_STORE'],
    [{ NODE_ENV: 'production' }, 'API_KEYS must be set when NODE_ENV=production'],
    [{ DATABASE_SCHEMA: 'Robert"; drop' }, 'DATABASE_SCHEMA="Robert"; drop" must be a lower-case SQL identifier'],
    [{ MONGODB_DB: 'a/b' }, 'MONGODB_DB="a/b" must be 1-63 letters'],
    [{ PERSISTENT_GROUP_PREFIX: 'a b' }, 'PERSISTENT_GROUP_PREFIX="a b" must be 1-100 letters'],
    [{ CONSISTENCY_TIMEOUT_MS: '-1' }, 'CONSISTENCY_TIMEOUT_MS="-1" must be an integer from 0 to 60000'],
  ])('refuses %j with a clear line', (env, message) => {
    expect(problemsOf(env).join('\n')).toContain(message);
  });

  it('reports every bad variable at once, and never echoes an API key', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'y', API_KEYS: 'secret-key-value=root' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('secret-key-value');
  });

  it('loadConfigOrReport prints the problems and returns null instead of throwing', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(loadConfigOrReport({ PORT: 'x' })).toBeNull();
      expect(String(write.mock.calls[0]?.[0])).toContain('PORT="x"');
      expect(loadConfigOrReport({})).not.toBeNull();
    } finally {
      write.mockRestore();
    }
  });

  it('the README documents every variable the service reads', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const undocumented = Object.keys(CONFIG_VARIABLES).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(undocumented).toEqual([]);
  });
});
