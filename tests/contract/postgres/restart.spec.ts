// Stop the service and start it again on the same database: every event and read model is still there,
// and the projections resume from their checkpoints instead of reading the log from the start.
import { comparePositions, type EventStore, type Position, type Subscription, type SubscriptionMessage } from '../../../src/application/ports';
import { projections } from '../../../src/application/projections/projections';
import { freshSchema, postgresOptions } from '../../support/postgres';
import { runScenario } from './support/order-scenario';
import { allCollections, documentsOf, foldFromScratch, openPostgresApp, waitForCheckpoints, type PostgresApp } from './support/postgres-application';

const schema = freshSchema('restart');

/** The event store as the application sees it, recording where each subscription starts and every event it hands out. */
const watched = (store: EventStore, log: { from: (Position | null)[]; delivered: Position[] }): EventStore => ({
  append: (...args) => store.append(...args),
  readStream: (...args) => store.readStream(...args),
  readAll: (...args) => store.readAll(...args),
  headPosition: () => store.headPosition(),
  subscribeToAll: (options): Subscription => {
    log.from.push(options.from);
    const subscription = store.subscribeToAll(options);
    return {
      close: () => subscription.close(),
      [Symbol.asyncIterator]: () => {
        const iterator = subscription[Symbol.asyncIterator]();
        return {
          next: async () => {
            const result = await iterator.next();
            if (!result.done && result.value.kind === 'event') log.delivered.push(result.value.event.position);
            return result;
          },
          return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
        } as AsyncIterator<SubscriptionMessage>;
      },
    };
  },
});

describe('PostgreSQL: restarting the service', () => {
  let running: PostgresApp | null = null;
  afterEach(async () => {
    await running?.close();
    running = null;
  });

  it('keeps events and read models, and resumes projections from their checkpoints', async () => {
    // First life: some business, projections caught up, then a clean stop.
    const first = await openPostgresApp(postgresOptions(schema));
    running = first;
    const shop = await runScenario(first.app, first.eventStore, { seed: 7, customers: 6, products: 5, orders: 40, concurrency: 3 });
    first.app.startProjections('first-life');
    const head = (await first.eventStore.headPosition()) as Position;
    await waitForCheckpoints((name) => first.read.checkpoints.load(name), head, 20_000);
    const events = await first.eventStore.readAll({ after: null, maxCount: 10_000 });
    const documents = await Promise.all(allCollections().map((collection) => documentsOf(first.read.readModels, collection)));
    const checkpoints = await Promise.all(projections.map((p) => first.read.checkpoints.load(p.name)));
    await first.close();
    running = null;

    // Second life: new pools, new stores, new Application.
    const log = { from: [] as (Position | null)[], delivered: [] as Position[] };
    const second = await openPostgresApp(postgresOptions(schema), { wrapEventStore: (store) => watched(store, log) });
    running = second;
    expect(await second.eventStore.readAll({ after: null, maxCount: 10_000 })).toEqual(events);
    expect(await Promise.all(allCollections().map((collection) => documentsOf(second.read.readModels, collection)))).toEqual(documents);
    expect(await Promise.all(projections.map((p) => second.read.checkpoints.load(p.name)))).toEqual(checkpoints);
    expect(documents.flat().length).toBeGreaterThan(40);

    second.app.startProjections('second-life');
    await runScenario(second.app, second.eventStore, { seed: 8, customers: 1, products: 1, orders: 10, concurrency: 2 }, shop);
    const newHead = (await second.eventStore.headPosition()) as Position;
    await waitForCheckpoints((name) => second.read.checkpoints.load(name), newHead, 20_000);

    // Every runner subscribed from its stored checkpoint, and no event from before the restart came again.
    expect(log.from).toHaveLength(projections.length);
    expect([...log.from].sort()).toEqual([...checkpoints].sort());
    expect(log.delivered.length).toBeGreaterThan(0);
    for (const position of log.delivered) expect(comparePositions(position, head)).toBe(1);

    const expected = await foldFromScratch(second.eventStore, newHead);
    for (const collection of allCollections()) {
      expect(await documentsOf(second.read.readModels, collection)).toEqual(await documentsOf(expected, collection));
    }
  }, 60_000);
});
