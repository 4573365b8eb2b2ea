// The real entry point (src/main/all-in-one.ts) as a child process on PostgreSQL: SIGTERM stops accepting,
// lets the request in flight finish, lets the runners save their checkpoints, and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { createPostgresEventStore, createPostgresReadStore } from '../../src/adapters/postgres';
import { projections } from '../../src/application/projections/projections';
import { dropSchema, freshSchema, postgresOptions, testDatabaseUrl } from '../support/postgres';

const ROOT = join(__dirname, '..', '..');

/** Starts the service; resolves with its URL once it logged that it listens. */
const start = (schema: string): Promise<{ child: ChildProcess; url: string; output: () => string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', join(ROOT, 'tests', 'support', 'swc-register.cjs'), join(ROOT, 'src', 'main', 'all-in-one.ts')], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', API_KEYS: '', DATABASE_URL: testDatabaseUrl(), DATABASE_SCHEMA: schema, CONSISTENCY_TIMEOUT_MS: '1500' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the service did not start:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/[^"\s]+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, output: () => output });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening:\n${output}`)));
  });

describe('graceful shutdown of the all-in-one service (child process, PostgreSQL)', () => {
  const schema = freshSchema('shutdown');
  afterAll(() => dropSchema(schema));

  it('on SIGTERM finishes the request in flight, saves the checkpoints at the head and exits 0', async () => {
    const service = await start(schema);
    const created = await request(service.url).post('/customers').send({ name: 'Ada', email: 'ada@example.com' }).expect(201);
    await request(service.url).get(`/customers/${created.body.id}`).set('X-Min-Position', created.body.position).expect(200);

    // A query waiting for a position nobody will write: in flight when the signal arrives, answered 503 after its bound.
    const inFlight = request(service.url).get(`/customers/${created.body.id}`).set('X-Min-Position', '999999').then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = new Promise<number | null>((resolve) => service.child.once('exit', resolve));
    service.child.kill('SIGTERM');

    const answer = await inFlight;
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(await exited).toBe(0);
    expect(service.output()).toContain('shutting down');

    // What the runners committed before stopping: every projection's checkpoint is the head of the projected log.
    const events = await createPostgresEventStore(postgresOptions(schema));
    const reads = await createPostgresReadStore(postgresOptions(schema));
    try {
      const [last] = await events.eventStore.readStream(`customer-${created.body.id}`, { direction: 'backwards', maxCount: 1 });
      for (const projection of projections) expect(await reads.checkpoints.load(projection.name)).toBe(await events.eventStore.headPosition());
      expect(last?.position).toBe(created.body.position);
    } finally {
      await events.close();
      await reads.close();
    }
  }, 60_000);
});
