// The service's Application on the PostgreSQL adapters (no persistent subscriptions: every projection
// runs catch-up), for the crash worker, the crash test's seeding and the restart test.
import { JsonSchemaCommandValidator } from '../../../../src/adapters/codec/command-validator';
import { MemoryCheckpointStore } from '../../../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../../../src/adapters/memory/memory-documents';
import { MemoryParkedEventStore } from '../../../../src/adapters/memory/memory-parked-event-store';
import { MemoryReadModelStore } from '../../../../src/adapters/memory/memory-read-model-store';
import { MemorySnapshotStore } from '../../../../src/adapters/memory/memory-snapshot-store';
import { createPostgresEventStore, createPostgresReadStore, type PostgresOptions } from '../../../../src/adapters/postgres';
import { uuidIdGenerator } from '../../../../src/adapters/runtime/uuid-id-generator';
import { Application, defaultApplicationOptions } from '../../../../src/application/application';
import type { CommandValidator } from '../../../../src/application/commands/command-bus';
import {
  comparePositions,
  noMetrics,
  silentLogger,
  type EventStore,
  type Logger,
  type Position,
  type ReadModelStore,
  type StoredDocument,
} from '../../../../src/application/ports';
import { defaultRunnerOptions, type CatchUpRunnerOptions } from '../../../../src/application/projections/catch-up-runner';
import { collectionsOf } from '../../../../src/application/projections/projection';
import { projections } from '../../../../src/application/projections/projections';

export const systemClock = { now: () => new Date() };

let validator: CommandValidator | undefined;
const commandValidator = (): CommandValidator => (validator ??= new JsonSchemaCommandValidator());

export interface PostgresApp {
  readonly app: Application;
  readonly eventStore: EventStore;
  readonly read: Awaited<ReturnType<typeof createPostgresReadStore>>;
  close(): Promise<void>;
}

export interface PostgresAppOptions {
  readonly runner?: Partial<CatchUpRunnerOptions>;
  readonly logger?: Logger;
  /** Lets a test watch or change the event store the application sees. */
  readonly wrapEventStore?: (store: EventStore) => EventStore;
}

/** Opens both PostgreSQL stores on `options` and builds the Application over them. */
export const openPostgresApp = async (options: PostgresOptions, appOptions: PostgresAppOptions = {}): Promise<PostgresApp> => {
  const events = await createPostgresEventStore(options);
  const read = await createPostgresReadStore(options);
  const eventStore = appOptions.wrapEventStore ? appOptions.wrapEventStore(events.eventStore) : events.eventStore;
  const app = new Application(
    {
      eventStore,
      persistent: events.persistent,
      snapshots: read.snapshots,
      readModels: read.readModels,
      checkpoints: read.checkpoints,
      parked: read.parked,
      clock: systemClock,
      ids: uuidIdGenerator,
      logger: appOptions.logger ?? silentLogger,
      metrics: noMetrics,
      commandValidator: commandValidator(),
    },
    { ...defaultApplicationOptions, runner: { ...defaultRunnerOptions, ...appOptions.runner } },
  );
  return {
    app,
    eventStore,
    read,
    close: async () => {
      await app.stopProjections();
      await events.close();
      await read.close();
    },
  };
};

/** Every read-model collection of the service (reference collections included). */
export const allCollections = (): string[] => projections.flatMap(collectionsOf);

/** All documents of a collection, in id order, paged. */
export const documentsOf = async (store: ReadModelStore, collection: string): Promise<StoredDocument<unknown>[]> => {
  const all: StoredDocument<unknown>[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.find(collection, { orderBy: { fields: ['id'], direction: 'asc' }, limit: 500, ...(after === undefined ? {} : { after: [after] }) });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < 500 || !last) return all;
    after = last.id;
  }
};

/**
 * The read models a from-scratch fold gives: every projection run from the start of `eventStore` into a
 * fresh in-memory store (same runner, same projections), until each checkpoint reaches `head`.
 */
export const foldFromScratch = async (eventStore: EventStore, head: Position): Promise<MemoryReadModelStore> => {
  const documents = new MemoryDocuments();
  const readModels = new MemoryReadModelStore(documents);
  const checkpoints = new MemoryCheckpointStore(documents);
  const app = new Application(
    {
      eventStore,
      persistent: null,
      snapshots: new MemorySnapshotStore(),
      readModels,
      checkpoints,
      parked: new MemoryParkedEventStore(),
      clock: systemClock,
      ids: uuidIdGenerator,
      logger: silentLogger,
      metrics: noMetrics,
      commandValidator: commandValidator(),
    },
    { ...defaultApplicationOptions, runner: { ...defaultRunnerOptions, batchSize: 500 } },
  );
  app.startProjections('fold-from-scratch');
  try {
    await waitForCheckpoints(async (name) => checkpoints.load(name), head, 60_000);
  } finally {
    await app.stopProjections();
  }
  return readModels;
};

/** Waits until every projection's checkpoint is at `head` (or beyond). */
export const waitForCheckpoints = async (load: (projection: string) => Promise<Position | null>, head: Position, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const positions = await Promise.all(projections.map((p) => load(p.name)));
    if (positions.every((position) => position !== null && comparePositions(position, head) >= 0)) return;
    if (Date.now() > deadline) {
      throw new Error(`checkpoints did not reach ${head} within ${timeoutMs} ms: ${projections.map((p, i) => `${p.name}=${positions[i]}`).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
