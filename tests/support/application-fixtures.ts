// A whole Application on the in-memory adapters, with a test clock, real UUIDv5 ids, a recording (silent)
// logger and recording metrics, plus helpers to send commands and to wait for projections without sleeping.
import { PROJECTED_STREAM_PREFIXES } from '../../src/application/streams';
import { randomUUID } from 'node:crypto';
import { EventCodec } from '../../src/adapters/codec';
import { JsonSchemaCommandValidator } from '../../src/adapters/codec/command-validator';
import { MemoryCheckpointStore } from '../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../src/adapters/memory/memory-documents';
import { MemoryEventStore } from '../../src/adapters/memory/memory-event-store';
import { MemoryParkedEventStore } from '../../src/adapters/memory/memory-parked-event-store';
import { MemoryPersistentSubscriptions } from '../../src/adapters/memory/memory-persistent-subscriptions';
import { MemoryReadModelStore } from '../../src/adapters/memory/memory-read-model-store';
import { MemorySnapshotStore } from '../../src/adapters/memory/memory-snapshot-store';
import { uuidIdGenerator } from '../../src/adapters/runtime/uuid-id-generator';
import { Application, defaultApplicationOptions, type ApplicationOptions, type ApplicationPorts } from '../../src/application/application';
import type { CommandExecutorOptions } from '../../src/application/commands/command-executor';
import type { CommandContext, CommandMessage, CommandPayloads, CommandResult, CommandType } from '../../src/application/commands/command.types';
import type { Clock, CommandOutcome, EventStore, Logger, Metrics, Position, ReadModelStore } from '../../src/application/ports';
import { CatchUpProjectionRunner, type CatchUpRunnerOptions, type RunnerDependencies } from '../../src/application/projections/catch-up-runner';
import type { AnyProjection } from '../../src/application/projections/projection';
import { projections } from '../../src/application/projections/projections';

export const TEST_START = '2024-05-01T10:00:00.000Z';

/** A clock that stands still until a test moves it. */
export class TestClock implements Clock {
  private current: number;

  constructor(start: string = TEST_START) {
    this.current = Date.parse(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(iso: string): void {
    this.current = Date.parse(iso);
  }
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** Prints nothing; keeps every entry for tests that check what was logged. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }
}

export class RecordingMetrics implements Metrics {
  readonly commands: { readonly type: string; readonly outcome: CommandOutcome; readonly seconds: number }[] = [];
  readonly batches: { readonly projection: string; readonly events: number }[] = [];
  readonly parked: string[] = [];

  commandCompleted(type: string, outcome: CommandOutcome, seconds: number): void {
    this.commands.push({ type, outcome, seconds });
  }
  projectionBatch(projection: string, events: number): void {
    this.batches.push({ projection, events });
  }
  eventParked(projection: string): void {
    this.parked.push(projection);
  }
}

/** Small batches to exercise batching, fast retries, a watchdog that never fires unless a test wants it. */
export const fastRunnerOptions: CatchUpRunnerOptions = {
  batchSize: 5,
  rebuildBatchSize: 7,
  idleTimeoutMs: 60_000,
  leaseTtlMs: 15_000,
  standbyPollMs: 5,
  maxAttempts: 3,
  retryBaseMs: 1,
  retryCapMs: 4,
  rebuildPollMs: 10,
};

export const fastExecutorOptions: CommandExecutorOptions = { snapshotEvery: 50, maxAttempts: 5, retryBaseMs: 1 };


// Compiling every schema takes ~0.1 s: share one codec and one validator. Tests that import old-version
// events whose upcasting reads the stream origin should use fresh stream ids (the codec caches origins).
let sharedCodec: EventCodec | undefined;
let sharedValidator: JsonSchemaCommandValidator | undefined;
export const testCodec = (): EventCodec => (sharedCodec ??= new EventCodec());
export const testCommandValidator = (): JsonSchemaCommandValidator => (sharedValidator ??= new JsonSchemaCommandValidator());

export interface TestAppOptions {
  readonly executor?: Partial<CommandExecutorOptions>;
  readonly runner?: Partial<CatchUpRunnerOptions>;
  readonly consistencyTimeoutMs?: number;
  /** Server-side persistent subscription groups (the product catalog runs on one); default true. */
  readonly persistent?: boolean;
  readonly persistentSettings?: Partial<ApplicationOptions['persistentSettings']>;
  /** Wraps the event store the application uses; the memory store underneath still holds the log. */
  readonly wrapEventStore?: (store: MemoryEventStore) => EventStore;
  /** Wraps the read-model store the application uses; the memory store underneath still holds the documents. */
  readonly wrapReadModels?: (store: MemoryReadModelStore) => ReadModelStore;
  /** Another "process" over the same stores (log, groups, read models, checkpoints, parked events, snapshots, clock). */
  readonly sharedWith?: TestApp;
  readonly codec?: EventCodec;
}

export interface TestApp {
  readonly app: Application;
  readonly ports: ApplicationPorts;
  readonly options: ApplicationOptions;
  readonly clock: TestClock;
  readonly logger: RecordingLogger;
  readonly metrics: RecordingMetrics;
  /** The memory store that holds the log (ports.eventStore may wrap it). */
  readonly memoryEventStore: MemoryEventStore;
  readonly persistent: MemoryPersistentSubscriptions | null;
  readonly documents: MemoryDocuments;
  readonly readModels: MemoryReadModelStore;
  readonly checkpoints: MemoryCheckpointStore;
  readonly parked: MemoryParkedEventStore;
  readonly snapshots: MemorySnapshotStore;
  /** A context with a fresh command id; fields given override it. */
  context(overrides?: Partial<CommandContext>): CommandContext;
  send<T extends CommandType>(type: T, payload: CommandPayloads[T], context?: Partial<CommandContext>): Promise<CommandResult>;
  start(owner?: string, only?: readonly string[]): void;
  stop(): Promise<void>;
  /** Where each projection must get to for the current log: the head, or for a persistent group its last event. */
  targets(): Promise<Map<string, Position>>;
  /** Waits (bounded) until the projections this app started (or those named) have reached the current head of the log. */
  waitForHead(timeoutMs?: number, names?: readonly string[]): Promise<void>;
  /** The documents of a collection as id → data. */
  collection(name: string): Map<string, unknown>;
  /** A catch-up runner for any projection (e.g. a wrapped one) over this app's stores. */
  runner(projection: AnyProjection, options?: Partial<CatchUpRunnerOptions>, deps?: Partial<RunnerDependencies>): CatchUpProjectionRunner;
  /** Stops what this app started and closes subscriptions. */
  dispose(): Promise<void>;
}

export const createTestApp = (options: TestAppOptions = {}): TestApp => {
  const shared = options.sharedWith;
  const clock = shared?.clock ?? new TestClock();
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const memoryEventStore = shared?.memoryEventStore ?? new MemoryEventStore(options.codec ?? testCodec());
  const eventStore = options.wrapEventStore ? options.wrapEventStore(memoryEventStore) : memoryEventStore;
  const persistent = options.persistent === false ? null : (shared?.persistent ?? new MemoryPersistentSubscriptions(memoryEventStore));
  const documents = shared?.documents ?? new MemoryDocuments();
  const readModels = shared?.readModels ?? new MemoryReadModelStore(documents);
  const appReadModels = options.wrapReadModels ? options.wrapReadModels(readModels) : readModels;
  const checkpoints = shared?.checkpoints ?? new MemoryCheckpointStore(documents, clock);
  const parked = shared?.parked ?? new MemoryParkedEventStore();
  const snapshots = shared?.snapshots ?? new MemorySnapshotStore();
  const ports: ApplicationPorts = {
    eventStore,
    persistent,
    snapshots,
    readModels: appReadModels,
    checkpoints,
    parked,
    clock,
    ids: uuidIdGenerator,
    logger,
    metrics,
    commandValidator: testCommandValidator(),
  };
  const appOptions: ApplicationOptions = {
    executor: { ...fastExecutorOptions, ...options.executor },
    runner: { ...fastRunnerOptions, ...options.runner },
    consistencyTimeoutMs: options.consistencyTimeoutMs ?? 2_000,
    persistentGroupPrefix: defaultApplicationOptions.persistentGroupPrefix,
    persistentSettings: { maxRetryCount: 3, messageTimeoutMs: 30_000, consumerStrategy: 'pinned', ...options.persistentSettings },
  };
  const app = new Application(ports, appOptions);
  const extraRunners: CatchUpProjectionRunner[] = [];
  const started = new Set<string>();

  const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
    commandId: randomUUID(),
    correlationId: `corr-${randomUUID()}`,
    actor: 'test-user',
    ...overrides,
  });

  const targets = async (): Promise<Map<string, Position>> => {
    const head = await memoryEventStore.headPosition();
    const found = new Map<string, Position>();
    if (head === null) return found;
    // Catch-up runners see checkpoints for every log entry; a persistent group only sees the projected streams
    // (reservation streams are write-side only), so its target is the last event of those streams.
    const { log } = memoryEventStore;
    let lastProjected: Position | undefined;
    for (let i = log.length - 1; i >= 0 && lastProjected === undefined; i--) {
      if (PROJECTED_STREAM_PREFIXES.some((prefix) => log.streamIdAt(i).startsWith(prefix))) lastProjected = log.storedAt(i).position;
    }
    for (const projection of projections) {
      const target = persistent && projection.mode === 'persistent' ? lastProjected : head;
      if (target !== undefined) found.set(projection.name, target);
    }
    return found;
  };

  return {
    app,
    ports,
    options: appOptions,
    clock,
    logger,
    metrics,
    memoryEventStore,
    persistent,
    documents,
    readModels,
    checkpoints,
    parked,
    snapshots,
    context,
    send: (type, payload, overrides) => app.commands.dispatch({ type, payload, context: context(overrides) } as CommandMessage),
    start: (owner = 'test-worker', only) => {
      for (const runner of app.startProjections(owner, only)) started.add(runner.name);
    },
    stop: () => app.stopProjections(),
    targets,
    waitForHead: async (timeoutMs = 5_000, names = started.size > 0 ? [...started] : projections.map((p) => p.name)) => {
      for (const [name, position] of await targets()) if (names.includes(name)) await app.progress.waitFor(name, position, timeoutMs);
    },
    collection: (name) => new Map([...(documents.collections.get(name) ?? new Map())].map(([id, entry]) => [id, entry.data])),
    runner: (projection, runnerOptions = {}, deps = {}) => {
      const runner = new CatchUpProjectionRunner(
        projection,
        { eventStore, readModels: appReadModels, checkpoints, parked, progress: app.progress, clock, logger, metrics, owner: `runner-${randomUUID()}`, ...deps },
        { ...appOptions.runner, ...runnerOptions },
      );
      extraRunners.push(runner);
      return runner;
    },
    dispose: async () => {
      await app.stopProjections();
      await Promise.all(extraRunners.map((r) => r.stop()));
      if (!shared) {
        await persistent?.close();
        await memoryEventStore.close();
      }
    },
  };
};

// ------------------------------------------------------------------ a small world of valid commands

export const uuid = (): string => randomUUID();

/** A registered customer, a listed product and a draft order holding it (quantity 2): the starting point of many tests. */
export const seedOrder = async (
  t: TestApp,
  ids: { customerId?: string; productId?: string; orderId?: string } = {},
  fields: { name?: string; email?: string; productName?: string; price?: { amount: number; currency: string }; quantity?: number } = {},
): Promise<{ customerId: string; productId: string; orderId: string; last: CommandResult }> => {
  const customerId = ids.customerId ?? uuid();
  const productId = ids.productId ?? uuid();
  const orderId = ids.orderId ?? uuid();
  const price = fields.price ?? { amount: 1250, currency: 'EUR' };
  // Given ids may name a customer or product that exists already.
  const exists = async (streamId: string) => (await t.memoryEventStore.readStream(streamId, { maxCount: 1 })).length > 0;
  if (!(await exists(`customer-${customerId}`))) {
    await t.send('RegisterCustomer', { customerId, name: fields.name ?? 'Ada Lovelace', email: fields.email ?? `${customerId}@example.com` });
  }
  if (!(await exists(`product-${productId}`))) {
    await t.send('AddProduct', { productId, sku: `SKU-${productId.slice(0, 8)}`, name: fields.productName ?? 'Widget', price });
  }
  await t.send('CreateOrder', { orderId, customerId, currency: price.currency });
  const last = await t.send('AddItem', { orderId, productId, quantity: fields.quantity ?? 2 });
  return { customerId, productId, orderId, last };
};
