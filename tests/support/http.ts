// A whole service on the memory adapters, wired by hand like src/main does, for HTTP tests and the benchmark.
import type { Express } from 'express';
import { createHttpApp, type HttpMetrics, type Role } from '../../src/adapters/http';
import { JsonSchemaCommandValidator } from '../../src/adapters/codec/command-validator';
import { MemoryCheckpointStore } from '../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../src/adapters/memory/memory-documents';
import { MemoryEventStore } from '../../src/adapters/memory/memory-event-store';
import { MemoryIdempotencyStore } from '../../src/adapters/memory/memory-idempotency-store';
import { MemoryParkedEventStore } from '../../src/adapters/memory/memory-parked-event-store';
import { MemoryPersistentSubscriptions } from '../../src/adapters/memory/memory-persistent-subscriptions';
import { MemoryReadModelStore } from '../../src/adapters/memory/memory-read-model-store';
import { MemorySnapshotStore } from '../../src/adapters/memory/memory-snapshot-store';
import { PrometheusMetrics } from '../../src/adapters/runtime/prometheus-metrics';
import { uuidIdGenerator } from '../../src/adapters/runtime/uuid-id-generator';
import { Application, defaultApplicationOptions } from '../../src/application/application';
import { ConcurrencyError, parsePosition, silentLogger, type Clock, type EventStore, type HealthCheck, type Logger } from '../../src/application/ports';

export interface TestServiceOptions {
  /** key → role; empty or absent: the API is open. */
  readonly apiKeys?: ReadonlyMap<string, Role>;
  readonly consistencyTimeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Start the projection runners (default true). */
  readonly projections?: boolean;
  /** Readiness checks (default: one healthy check per store). */
  readonly readiness?: readonly HealthCheck[];
  /** Use server-side subscription groups for per-stream projections (default true, like the embedded service). */
  readonly persistent?: boolean;
  readonly slowRequestMs?: number;
}

export interface TestService {
  readonly app: Express;
  readonly application: Application;
  readonly stores: {
    readonly eventStore: MemoryEventStore;
    readonly persistent: MemoryPersistentSubscriptions | null;
    readonly readModels: MemoryReadModelStore;
    readonly checkpoints: MemoryCheckpointStore;
    readonly parked: MemoryParkedEventStore;
    readonly snapshots: MemorySnapshotStore;
    readonly idempotency: MemoryIdempotencyStore;
  };
  readonly metrics: PrometheusMetrics;
  /** The next `count` appends fail with a ConcurrencyError, as if another writer had been first. */
  injectConflicts(count: number): void;
  close(): Promise<void>;
}

/** Role keys the e2e suites use (at least 8 characters, as config requires). */
export const TEST_KEYS = {
  reader: 'reader-key-0001',
  writer: 'writer-key-0001',
  admin: 'admin-key-00001',
} as const;
export const testKeyMap = (): ReadonlyMap<string, Role> => new Map(Object.entries(TEST_KEYS).map(([role, key]) => [key, role as Role]));

/** What src/main/http-metrics does: latencies as they happen, projection gauges refreshed per scrape. */
export const testHttpMetrics = (metrics: PrometheusMetrics, application: Application): HttpMetrics => ({
  observeRequest: (method, route, status, seconds) => metrics.httpDuration.observe({ method, route, status: String(status) }, seconds),
  render: async () => {
    for (const projection of await application.operations.list()) {
      const labels = { projection: projection.name };
      metrics.projectionLag.set(labels, projection.lag ?? 0);
      metrics.projectionCheckpoint.set(labels, projection.checkpoint === null ? 0 : Number(parsePosition(projection.checkpoint)[0]));
      metrics.parkedCount.set(labels, projection.parked);
    }
    return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
  },
});

const systemClock: Clock = { now: () => new Date() };
const healthy = (name: string): HealthCheck => ({ name, check: async () => ({ ok: true, detail: 'in process' }) });

export const buildTestService = async (options: TestServiceOptions = {}): Promise<TestService> => {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const eventStore = new MemoryEventStore();
  const persistent = options.persistent === false ? null : new MemoryPersistentSubscriptions(eventStore);
  const documents = new MemoryDocuments();
  const stores = {
    eventStore,
    persistent,
    readModels: new MemoryReadModelStore(documents),
    checkpoints: new MemoryCheckpointStore(documents, clock),
    parked: new MemoryParkedEventStore(),
    snapshots: new MemorySnapshotStore(),
    idempotency: new MemoryIdempotencyStore(),
  };
  const metrics = new PrometheusMetrics({ defaultMetrics: false });
  let conflicts = 0;
  // The application's view of the event store: the real one, unless a test arms conflicts.
  const conflicting: EventStore = {
    append: (streamId, events, expected) => {
      if (conflicts <= 0) return eventStore.append(streamId, events, expected);
      conflicts--;
      return Promise.reject(new ConcurrencyError(streamId, expected, null));
    },
    readStream: (streamId, readOptions) => eventStore.readStream(streamId, readOptions),
    readAll: (readOptions) => eventStore.readAll(readOptions),
    headPosition: () => eventStore.headPosition(),
    subscribeToAll: (subscribeOptions) => eventStore.subscribeToAll(subscribeOptions),
  };
  const application = new Application(
    { ...stores, eventStore: conflicting, clock, ids: uuidIdGenerator, logger, metrics, commandValidator: new JsonSchemaCommandValidator() },
    { ...defaultApplicationOptions, consistencyTimeoutMs: options.consistencyTimeoutMs ?? defaultApplicationOptions.consistencyTimeoutMs },
  );
  const app = createHttpApp({
    application,
    idempotency: stores.idempotency,
    ids: uuidIdGenerator,
    clock,
    logger,
    metrics: testHttpMetrics(metrics, application),
    apiKeys: options.apiKeys ?? new Map(),
    readiness: options.readiness ?? [healthy('event store (memory)'), healthy('read store (memory)')],
    ...(options.slowRequestMs === undefined ? {} : { slowRequestMs: options.slowRequestMs }),
  });
  if (options.projections ?? true) application.startProjections(`test-${process.pid}`);
  return {
    app,
    application,
    stores,
    metrics,
    injectConflicts: (count) => {
      conflicts = count;
    },
    close: async () => {
      await application.stopProjections();
      await persistent?.close();
      await eventStore.close();
    },
  };
};
