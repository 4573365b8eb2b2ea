import { CommandBus, telemetryMiddleware, validationMiddleware, type CommandValidator } from './commands/command-bus';
import { CommandExecutor, defaultExecutorOptions, type CommandExecutorOptions } from './commands/command-executor';
import { commandHandlers } from './commands/command-handlers';
import type {
  CheckpointStore,
  Clock,
  EventStore,
  IdGenerator,
  Logger,
  Metrics,
  ParkedEventStore,
  PersistentGroupSettings,
  PersistentSubscriptions,
  ReadModelStore,
  SnapshotStore,
} from './ports';
import { CatchUpProjectionRunner, defaultRunnerOptions, type CatchUpRunnerOptions } from './projections/catch-up-runner';
import { PersistentProjectionWorker } from './projections/persistent-worker';
import { ProjectionOperations } from './projections/projection-operations';
import { ProjectionProgress } from './projections/projection-progress';
import { projections } from './projections/projections';
import { GetOrderHistoryHandler, GetOrderStateHandler } from './queries/event-store.handlers';
import { QueryBus } from './queries/query-bus';
import { PROJECTED_STREAM_PREFIXES } from './streams';
import { ReadModelAccess } from './queries/read-model-access';
import {
  GetCustomerHandler,
  GetDailySalesHandler,
  GetOrderHandler,
  GetProductHandler,
  ListOrdersHandler,
  ListProductsHandler,
  SearchOrdersHandler,
} from './queries/read-model.handlers';

/** Every port the application needs; the composition root (src/main) provides the adapters. */
export interface ApplicationPorts {
  readonly eventStore: EventStore;
  /** Server-side subscription groups, where the event store has them (EventStoreDB, memory); null for PostgreSQL. */
  readonly persistent: PersistentSubscriptions | null;
  readonly snapshots: SnapshotStore;
  readonly readModels: ReadModelStore;
  readonly checkpoints: CheckpointStore;
  readonly parked: ParkedEventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly commandValidator: CommandValidator;
}

export interface ApplicationOptions {
  readonly executor: CommandExecutorOptions;
  readonly runner: CatchUpRunnerOptions;
  /** How long a query with a minimum position waits for its read model. */
  readonly consistencyTimeoutMs: number;
  readonly persistentGroupPrefix: string;
  readonly persistentSettings: Omit<PersistentGroupSettings, 'streamPrefixes'>;
}

export const defaultApplicationOptions: ApplicationOptions = {
  executor: defaultExecutorOptions,
  runner: defaultRunnerOptions,
  consistencyTimeoutMs: 2_000,
  persistentGroupPrefix: 'order-service-',
  persistentSettings: { maxRetryCount: 10, messageTimeoutMs: 30_000, consumerStrategy: 'pinned' },
};

export type ProjectionRunner = CatchUpProjectionRunner | PersistentProjectionWorker;

/**
 * The catalogue: every command and query handler, the projection runners and the operations on
 * them, built from ports. Plain constructors only; which adapters fill the ports is src/main's choice.
 */
export class Application {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  readonly operations: ProjectionOperations;
  readonly progress: ProjectionProgress;
  private readonly runners: ProjectionRunner[] = [];

  constructor(
    private readonly ports: ApplicationPorts,
    private readonly options: ApplicationOptions = defaultApplicationOptions,
  ) {
    for (const [name, port] of Object.entries(ports)) if (!port && name !== 'persistent') throw new Error(`Application needs the ${name} port`);
    const { eventStore, snapshots, readModels, checkpoints, clock, ids, logger, metrics } = ports;
    const executor = new CommandExecutor(eventStore, snapshots, ids, clock, logger, options.executor);
    this.commands = new CommandBus(commandHandlers(executor, ids, logger), [
      telemetryMiddleware(logger, metrics, clock),
      validationMiddleware(ports.commandValidator),
    ]);
    this.progress = new ProjectionProgress(checkpoints);
    const access = new ReadModelAccess(readModels, this.progress, options.consistencyTimeoutMs);
    this.queries = new QueryBus([
      new GetOrderHandler(access),
      new ListOrdersHandler(access),
      new SearchOrdersHandler(access),
      new GetCustomerHandler(access),
      new GetProductHandler(access),
      new ListProductsHandler(access),
      new GetDailySalesHandler(access),
      new GetOrderHistoryHandler(eventStore),
      new GetOrderStateHandler(eventStore),
    ]);
    this.operations = new ProjectionOperations({
      // Without server-side groups, per-stream projections run as catch-up projections.
      projections: ports.persistent ? projections : projections.map((p) => ({ ...p, mode: 'catch-up' as const })),
      eventStore,
      persistent: ports.persistent,
      readModels,
      checkpoints,
      parked: ports.parked,
      clock,
      groupOf: (name) => this.groupOf(name),
      runners: () => this.runners,
    });
  }

  groupOf(projection: string): string {
    return `${this.options.persistentGroupPrefix}${projection}`;
  }

  /** Starts a runner for every projection (or those named). Catch-up runners stand by while another process holds the lease. */
  startProjections(owner: string, only?: readonly string[]): readonly ProjectionRunner[] {
    const { ports, options } = this;
    for (const projection of projections.filter((p) => !only || only.includes(p.name))) {
      if (this.runners.some((r) => r.name === projection.name)) continue;
      const runner =
        !ports.persistent || projection.mode === 'catch-up'
          ? new CatchUpProjectionRunner(projection, { ...ports, progress: this.progress, owner }, options.runner)
          : new PersistentProjectionWorker(projection, { ...ports, persistent: ports.persistent, progress: this.progress }, {
              group: this.groupOf(projection.name),
              settings: { ...options.persistentSettings, streamPrefixes: PROJECTED_STREAM_PREFIXES },
              bufferSize: 32,
              retryBaseMs: options.runner.retryBaseMs,
              retryCapMs: options.runner.retryCapMs,
            });
      this.runners.push(runner);
      runner.start();
    }
    return this.runners;
  }

  /** Lets every runner finish its batch and save its checkpoint. */
  async stopProjections(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
    this.runners.length = 0;
  }
}

