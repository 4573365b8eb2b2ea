// The application's CatchUpProjectionRunner (lease, resubscribe with backoff, checkpoint after the batch)
// over the EventStoreDB adapter, with the client double failing the subscription twice.
import { START, UnavailableError, type Position as EsdbPosition } from '@eventstore/db-client';
import { toPosition } from '../../../src/adapters/eventstoredb';
import { MemoryCheckpointStore } from '../../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../../src/adapters/memory/memory-documents';
import { MemoryParkedEventStore } from '../../../src/adapters/memory/memory-parked-event-store';
import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import { noMetrics, silentLogger } from '../../../src/application/ports';
import { CatchUpProjectionRunner, defaultRunnerOptions } from '../../../src/application/projections/catch-up-runner';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import { ProjectionProgress } from '../../../src/application/projections/projection-progress';
import { collections, type OrderListDocument } from '../../../src/application/projections/read-models';
import { eventually } from '../../support/eventually';
import { orderEvents, orderStream } from '../../support/new-events';
import { rawGrpcError, type FakeRecord, type SubscriptionFeed } from './fake-eventstoredb';
import { harness, type Harness } from './support';

const RETRY_BASE_MS = 40;

const warnings: { fields: Record<string, unknown>; message: string }[] = [];
const recordingLogger = { ...silentLogger, warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }) };

describe('CatchUpProjectionRunner over the EventStoreDB adapter', () => {
  let h: Harness;
  let runner: CatchUpProjectionRunner;
  afterEach(async () => {
    await runner?.stop();
    await h.close();
  });

  it('resubscribes from the last stored checkpoint after each subscription error, with backoff, and ends with the right read model', async () => {
    h = harness();
    const documents = new MemoryDocuments();
    const readModels = new MemoryReadModelStore(documents);
    const checkpoints = new MemoryCheckpointStore(documents);
    runner = new CatchUpProjectionRunner(
      orderListProjection,
      {
        eventStore: h.eventStore,
        readModels,
        checkpoints,
        parked: new MemoryParkedEventStore(),
        progress: new ProjectionProgress(checkpoints),
        clock: { now: () => new Date() },
        logger: recordingLogger,
        metrics: noMetrics,
        owner: 'runner-under-test',
      },
      // A short watchdog: batched() leaves its idle timer running when the subscription fails (reported), and jest waits for it.
      { ...defaultRunnerOptions, retryBaseMs: RETRY_BASE_MS, retryCapMs: 1_000, idleTimeoutMs: 1_000 },
    );

    const { streamId, orderId } = orderStream();
    await h.eventStore.append(streamId, orderEvents(orderId, 5), 'no_stream'); // created, then items of quantity 1..4
    const [e0, e1, e2] = h.fake.streams.get(streamId) as [FakeRecord, FakeRecord, FakeRecord];
    const checkpointOf = (record: FakeRecord): string => toPosition(record.position);

    // 1st subscription: two events and a checkpoint, then the connection drops. 2nd: one more, then a raw code-14 error.
    // 3rd: whatever the log holds after its start position, caught-up, live.
    const feeds: SubscriptionFeed[] = [];
    h.fake.onSubscribe = (feed, fake) => {
      feeds.push(feed);
      if (feeds.length === 1) {
        feed.event(e0);
        feed.event(e1);
        feed.checkpoint(e1.position);
      } else if (feeds.length === 2) {
        feed.event(e2);
        feed.checkpoint(e2.position);
      } else {
        feed.serve(fake.records);
      }
    };

    runner.start();
    await eventually(async () => expect(await checkpoints.load(orderListProjection.name)).toBe(checkpointOf(e1)));
    const firstFailure = Date.now();
    feeds[0]?.fail(new UnavailableError(undefined, '14 UNAVAILABLE: connection reset'));

    await eventually(async () => expect(await checkpoints.load(orderListProjection.name)).toBe(checkpointOf(e2)));
    const secondFailure = Date.now();
    feeds[1]?.fail(rawGrpcError(14, 'UNAVAILABLE: read ECONNRESET'));

    await eventually(async () => {
      const document = await readModels.get<OrderListDocument>(collections.orderList, orderId);
      expect(document?.data).toMatchObject({ orderId, status: 'draft', itemCount: 1 + 2 + 3 + 4 });
    });
    await eventually(() => expect(runner.status().state).toBe('live'));

    const subscribes = h.fake.callsOf('subscribeToAll');
    expect(subscribes.map((call) => (call.args[0] as { fromPosition: EsdbPosition | typeof START }).fromPosition)).toEqual([START, e1.position, e2.position]);
    // Backoff with jitter, base·[0.5, 1] for a first failure; each subscription applied a batch before it failed, so
    // each failure is a first one again (progress resets the count: only failures in a row back off further).
    expect((subscribes[1]?.at ?? 0) - firstFailure).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2 - 5);
    expect((subscribes[2]?.at ?? 0) - secondFailure).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2 - 5);
    // Both errors (UnavailableError and a raw code-14 object) reached the runner as StoreUnavailable; recovered, the runner no longer reports them.
    const failures = warnings.filter((w) => w.message === 'projection runner failed, resubscribing from checkpoint');
    expect(failures.map((w) => (w.fields.err as Error).name)).toEqual(['StoreUnavailable', 'StoreUnavailable']);
    expect(failures.map((w) => w.fields.attempt)).toEqual([1, 1]);
    expect(runner.status().lastError).toBeNull();
    expect(await checkpoints.load(orderListProjection.name)).toBe(checkpointOf((h.fake.streams.get(streamId) as FakeRecord[])[4] as FakeRecord));
    // The lease is held while running, so a second runner would stand by.
    expect((await checkpoints.leaseOf(orderListProjection.name))?.owner).toBe('runner-under-test');
  });
});
