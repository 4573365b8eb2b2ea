// docker-compose.yml and Dockerfile, checked as data (no Docker engine needed): services, ports, health
// checks, start order, and that every variable they give the service is one src/main/config.ts accepts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConnectionString } from '../../src/adapters/eventstoredb';
import { CONFIG_VARIABLES, loadConfig } from '../../src/main/config';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean> | string[];
  ports?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; interval?: string; retries?: number; disable?: boolean };
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const environmentOf = (name: string): Record<string, string> => {
  const environment = service(name).environment ?? {};
  const entries = Array.isArray(environment) ? environment.map((line) => line.split(/=(.*)/s, 2) as [string, string]) : Object.entries(environment);
  return Object.fromEntries(entries.map(([key, value]) => [key, String(value)]));
};
/** What compose substitutes when the variable is unset: "${NAME:-default}" → default. */
const interpolated = (value: string): string => value.replace(/\$\{[A-Z_][A-Z0-9_]*(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');
const commandOf = (name: string): string => [service(name).command ?? []].flat().join(' ');
const healthTestOf = (name: string): string => [service(name).healthcheck?.test ?? []].flat().join(' ');

/** Dockerfile instructions (continuation lines joined, comments dropped), grouped by stage. */
const dockerfileStages = (): { from: string; instructions: { keyword: string; args: string }[] }[] => {
  const logical = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: { from: string; instructions: { keyword: string; args: string }[] }[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') stages.push({ from: args, instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
};

const OWN_SERVICES = ['api', 'worker'];

describe('docker-compose.yml', () => {
  it('has the four services: eventstore, mongo, api and worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'eventstore', 'mongo', 'worker']);
  });

  it('runs EventStoreDB 24.10 as an insecure single node, health-checked on /health/live', () => {
    const eventstore = service('eventstore');
    expect(eventstore.image).toBe('eventstore/eventstore:24.10');
    expect(environmentOf('eventstore')).toMatchObject({ EVENTSTORE_CLUSTER_SIZE: '1', EVENTSTORE_INSECURE: 'true', EVENTSTORE_RUN_PROJECTIONS: 'All' });
    expect(eventstore.ports).toContain('2113:2113');
    expect(healthTestOf('eventstore')).toContain('http://localhost:2113/health/live');
  });

  it('runs MongoDB as replica set rs0, initiated by its health check, which passes only on a writable primary', () => {
    expect(commandOf('mongo')).toContain('--replSet rs0');
    const test = healthTestOf('mongo');
    expect(test).toContain('mongosh');
    expect(test).toMatch(/rs\.initiate\(\{ _id: 'rs0', members: \[\{ _id: 0, host: 'mongo:27017' \}\] \}\)/);
    expect(test).toContain('isWritablePrimary');
  });

  it('builds api and worker from the project image; the API publishes port 3000', () => {
    for (const name of OWN_SERVICES) {
      const { build, image } = service(name);
      expect(typeof build === 'string' ? build : build?.context).toBe('.');
      expect(image).toBe('order-service:local');
    }
    expect(commandOf('api')).toContain('dist/main/api.js');
    expect(commandOf('worker')).toContain('dist/main/worker.js');
    expect(service('api').ports).toEqual(['3000:3000']);
    expect(service('worker').ports).toBeUndefined();
  });

  it('starts api and worker only once EventStoreDB and MongoDB are healthy', () => {
    for (const name of OWN_SERVICES) {
      expect(service(name).depends_on).toEqual({ eventstore: { condition: 'service_healthy' }, mongo: { condition: 'service_healthy' } });
    }
    for (const dependency of ['eventstore', 'mongo']) expect(service(dependency).healthcheck?.test).toBeDefined();
  });

  it('gives api and worker only variables the config accepts, and a configuration that loads (EventStoreDB + MongoDB)', () => {
    for (const name of OWN_SERVICES) {
      const environment = environmentOf(name);
      expect(Object.keys(environment).filter((key) => !(key in CONFIG_VARIABLES))).toEqual([]);

      const config = loadConfig(Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, interpolated(value)])));
      expect(config).toMatchObject({ eventStore: 'eventstoredb', readStore: 'mongodb', host: '0.0.0.0', port: 3000, nodeEnv: 'production' });
      expect(validateConnectionString(config.eventStoreUrl as string)).toBe('esdb://eventstore:2113?tls=false');
      expect(config.mongodbUrl).toContain('replicaSet=rs0');
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1);
  const instructions = (keyword: string, stage = runtime) => stage?.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args) ?? [];

  it('is multi-stage on a Node LTS slim image: a build stage, then the runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const { from } of stages) expect(from).toMatch(/^node:(20|22|24)(\.[0-9.]+)?-[a-z]+-slim\b/);
    expect(stages[0]?.from).toMatch(/\bAS build$/i);
  });

  it('builds with the dev dependencies (npm ci + npm run build)', () => {
    const build = stages[0];
    expect(instructions('RUN', build)).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']));
    expect(instructions('RUN', build).some((run) => run.includes('--omit=dev'))).toBe(false);
  });

  it('runs with production dependencies only, the compiled code and the schemas, as a non-root user', () => {
    expect(instructions('RUN').some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
    expect(instructions('COPY')).toEqual(expect.arrayContaining([expect.stringMatching(/^--from=build \/app\/dist /), expect.stringMatching(/^schemas /)]));
    const user = instructions('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks health on /healthz at $PORT and starts the API by default', () => {
    const [healthcheck] = instructions('HEALTHCHECK');
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain('process.env.PORT');
    expect(instructions('CMD').at(-1)).toContain('dist/main/api.js');
    expect(instructions('EXPOSE')).toContain('3000');
  });

  it('sets only variables the config accepts', () => {
    const names = instructions('ENV').flatMap((args) => [...args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((match) => match[1] as string));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !(name in CONFIG_VARIABLES))).toEqual([]);
  });

  it('copies only files that exist, and .dockerignore keeps node_modules, dist and .git out of the context', () => {
    const sources = stages.flatMap((stage) => instructions('COPY', stage).filter((args) => !args.startsWith('--from='))).flatMap((args) => args.split(/\s+/).slice(0, -1));
    for (const source of sources) expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
    const ignored = read('.dockerignore').split(/\r?\n/).map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    expect(ignored).not.toContain('src');
    expect(ignored).not.toContain('schemas');
  });
});
