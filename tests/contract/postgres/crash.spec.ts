// The projection worker is killed (SIGKILL) at random points, again and again, while commands keep
// appending events; each time it is restarted. Afterwards every read model must equal a from-scratch fold
// of the same events: nothing lost, nothing applied twice (a replayed OrderItemAdded would change a total,
// a replayed OrderPaid a customer's lifetime value and the daily sales).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { comparePositions, type Position } from '../../../src/application/ports';
import { projections } from '../../../src/application/projections/projections';
import { freshSchema, postgresOptions, testDatabaseUrl } from '../../support/postgres';
import { randomSource, runScenario } from './support/order-scenario';
import { allCollections, documentsOf, foldFromScratch, openPostgresApp, waitForCheckpoints, type PostgresApp } from './support/postgres-application';

const KILLS = 22;
const SUPPORT = join(__dirname, 'support');
const schema = freshSchema('crash');
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

interface Worker {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
}

const startWorker = async (): Promise<Worker> => {
  const child = spawn(process.execPath, ['--require', join(__dirname, '..', '..', 'support', 'swc-register.cjs'), join(SUPPORT, 'crash-worker.ts')], {
    env: { ...process.env, TEST_DATABASE_URL: testDatabaseUrl(), CRASH_SCHEMA: schema, CRASH_OWNER: 'crash-worker' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the worker did not start within 30 s: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return { process: child, exited, stderr: () => stderr };
};

describe('PostgreSQL: the projection worker killed at random points', () => {
  let service: PostgresApp;
  const workers: Worker[] = [];

  beforeAll(async () => {
    service = await openPostgresApp(postgresOptions(schema));
  });
  afterAll(async () => {
    for (const worker of workers) worker.process.kill('SIGKILL');
    await service.close();
  });

  it(`read models equal a from-scratch fold after ${KILLS} SIGKILLs and restarts (seed ${seed})`, async () => {
    const random = randomSource(seed);
    const { eventStore } = service;
    const checkpoints = () => Promise.all(projections.map((p) => service.read.checkpoints.load(p.name)));

    // History before the first worker, then more commands for as long as workers come and go.
    const shop = await runScenario(service.app, eventStore, { seed, customers: 25, products: 15, orders: 120, concurrency: 6 });
    let killing = true;
    const live = runScenario(service.app, eventStore, { seed: seed + 1, customers: 5, products: 3, orders: 1_000, concurrency: 1, stopWhen: () => !killing }, shop);

    let killedBehind = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const worker = await startWorker();
      workers.push(worker);
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.floor(random() * 420)));
      const [head, positions] = await Promise.all([eventStore.headPosition(), checkpoints()]);
      worker.process.kill('SIGKILL');
      expect(await worker.exited).toBeNull(); // killed by the signal, not exited on its own
      workers.splice(workers.indexOf(worker), 1);
      if (head !== null && positions.some((position) => position === null || comparePositions(position, head) < 0)) killedBehind++;
    }
    killing = false;
    await live;
    const progressBeforeLastWorker = await checkpoints();

    const head = (await eventStore.headPosition()) as Position;
    const events = await eventStore.readAll({ after: null, maxCount: 100_000 });
    expect(events.length).toBeGreaterThanOrEqual(2_000);
    // The kills hit a worker with work in hand, and the killed workers did commit progress.
    expect(killedBehind).toBeGreaterThanOrEqual(KILLS * 0.75);
    expect(progressBeforeLastWorker.some((position) => position !== null)).toBe(true);

    const last = await startWorker();
    workers.push(last);
    await waitForCheckpoints((name) => service.read.checkpoints.load(name), head, 60_000);
    last.process.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    workers.splice(workers.indexOf(last), 1);
    expect(last.stderr()).not.toMatch(/ERROR/);

    const expected = await foldFromScratch(eventStore, head);
    for (const collection of allCollections()) {
      const actual = await documentsOf(service.read.readModels, collection);
      const wanted = await documentsOf(expected, collection);
      expect({ collection, count: actual.length }).toEqual({ collection, count: wanted.length });
      expect(actual).toEqual(wanted);
    }
    expect(await documentsOf(service.read.readModels, 'order_list')).not.toHaveLength(0);
    expect(await service.read.parked.count()).toBe(0);
  }, 170_000);
});
