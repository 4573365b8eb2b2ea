import {
  isAfter,
  maxPosition,
  rebuildCopyOf,
  StoreUnavailable,
  type CheckpointStore,
  type Clock,
  type DocumentWrite,
  type EventStore,
  type Logger,
  type Metrics,
  type ParkedEventStore,
  type Position,
  type ReadModelStore,
  type RecordedEvent,
  type Subscription,
  type SubscriptionMessage,
  type UndecodableEvent,
} from '../ports';
import { PROJECTED_STREAM_PREFIXES } from '../streams';
import { backoffDelay, sleepUnless } from '../shared/timing';
import { batched, SubscriptionIdle } from './batching';
import { collectionsOfTarget, ProjectionApplier, type Target } from './projection-applier';
import type { ProjectionProgress } from './projection-progress';
import type { AnyProjection } from './projection';

export interface CatchUpRunnerOptions {
  readonly batchSize: number;
  /** Events per batch while rebuilding into a fresh copy (fewer, larger commits). */
  readonly rebuildBatchSize: number;
  /** Watchdog: resubscribe when no message arrived for this long. */
  readonly idleTimeoutMs: number;
  readonly leaseTtlMs: number;
  /** How often a standby runner tries to take the lease. */
  readonly standbyPollMs: number;
  /** Attempts at a failing batch (then event by event) before an event is parked. */
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  /** How often the runner looks for a rebuild request from another process. */
  readonly rebuildPollMs: number;
}

export const defaultRunnerOptions: CatchUpRunnerOptions = {
  batchSize: 250,
  rebuildBatchSize: 2_000,
  idleTimeoutMs: 60_000,
  leaseTtlMs: 15_000,
  standbyPollMs: 2_000,
  maxAttempts: 3,
  retryBaseMs: 50,
  retryCapMs: 10_000,
  rebuildPollMs: 2_000,
};

export type RunnerState = 'stopped' | 'starting' | 'standby' | 'catching-up' | 'live' | 'rebuilding' | 'retrying';

export interface RunnerStatus {
  readonly name: string;
  readonly mode: 'catch-up' | 'persistent';
  readonly state: RunnerState;
  readonly checkpoint: Position | null;
  readonly lastError: string | null;
}

export interface RunnerDependencies {
  readonly eventStore: EventStore;
  readonly readModels: ReadModelStore;
  readonly checkpoints: CheckpointStore;
  readonly parked: ParkedEventStore;
  readonly progress: ProjectionProgress;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Identifies this runner instance in the lease. */
  readonly owner: string;
}

/** One pass over the log into a target: the live collections, or the copies of a rebuild. */
interface Pass {
  readonly checkpointName: string;
  readonly target: Target;
  readonly applier: ProjectionApplier;
  checkpoint: Position | null;
}

/**
 * Runs one catch-up projection: holds its lease (a second runner stands by), subscribes to $all
 * from the stored checkpoint, applies batches in global order and commits each batch with its
 * checkpoint. A failing event is retried with backoff, then parked; the runner goes on. Any
 * subscription error (or a silent subscription) leads to a resubscribe from the checkpoint.
 */
export class CatchUpProjectionRunner {
  private state: RunnerState = 'stopped';
  private lastError: string | null = null;
  private live: Pass;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private stopSignal!: Promise<void>;
  private signalStop!: () => void;
  private subscription: Subscription | null = null;
  private leaseRenewedAt = 0;
  private leaseLost = false;
  private rebuildWanted = false;
  private rebuildWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(
    readonly projection: AnyProjection,
    private readonly deps: RunnerDependencies,
    private readonly options: CatchUpRunnerOptions = defaultRunnerOptions,
  ) {
    // Per-stream ("persistent") projections run here too when the store has no subscription groups: global order is stronger.
    this.live = this.pass(projection.name, { collection: projection.collection, referenceCollection: projection.reference?.collection ?? null });
    this.resetStopSignal();
  }

  get name(): string {
    return this.projection.name;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.state = 'starting';
    this.resetStopSignal();
    this.loop = this.run().finally(() => (this.loop = null));
  }

  /** Finishes the batch in hand (its checkpoint is saved), then stops and gives the lease up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    await this.subscription?.close();
    await this.loop;
  }

  /** Rebuilds into fresh copies from the start of the log, then swaps them in; the old copy serves reads meanwhile. */
  rebuild(): Promise<void> {
    this.rebuildWanted = true;
    void this.subscription?.close();
    return new Promise((resolve, reject) => this.rebuildWaiters.push({ resolve, reject }));
  }

  status(): RunnerStatus {
    return { name: this.name, mode: 'catch-up', state: this.state, checkpoint: this.live.checkpoint, lastError: this.lastError };
  }

  private failures = 0;

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.holdLease())) {
          this.state = 'standby';
          if (this.rebuildWanted) await this.forwardRebuild();
          await sleepUnless(this.options.standbyPollMs, this.stopSignal);
          continue;
        }
        if (this.rebuildWanted || (await this.deps.checkpoints.takeRebuildRequest(this.name))) await this.runRebuild();
        await this.consume(this.live, false);
        this.failures = 0;
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof SubscriptionIdle) {
          this.deps.logger.debug({ projection: this.name }, 'subscription idle, resubscribing');
          continue;
        }
        this.failures++;
        this.state = 'retrying';
        this.lastError = (error as Error).message;
        this.deps.logger.warn({ projection: this.name, err: error, attempt: this.failures }, 'projection runner failed, resubscribing from checkpoint');
        await sleepUnless(backoffDelay(this.failures, this.options.retryBaseMs, this.options.retryCapMs), this.stopSignal);
      }
    }
    await this.deps.checkpoints.releaseLease(this.name, this.deps.owner).catch(() => undefined);
    this.state = 'stopped';
  }

  /**
   * Subscribes from the pass's checkpoint and applies batches. Returns when asked to stop or to
   * rebuild, when the lease is lost, or — for a rebuild pass — once caught up.
   */
  private async consume(pass: Pass, rebuilding: boolean): Promise<'caught-up' | 'interrupted'> {
    if (!rebuilding) {
      pass.checkpoint = await this.deps.checkpoints.load(pass.checkpointName);
      this.state = 'catching-up';
    }
    const subscription = this.deps.eventStore.subscribeToAll({ from: pass.checkpoint, streamPrefixes: PROJECTED_STREAM_PREFIXES });
    this.subscription = subscription;
    const keeper = this.keepLeaseWhile(subscription, rebuilding);
    try {
      const batches = batched<SubscriptionMessage>(subscription, {
        maxSize: rebuilding ? this.options.rebuildBatchSize : this.options.batchSize,
        idleMs: this.options.idleTimeoutMs,
        endsBatch: (message) => message.kind === 'caught-up',
      });
      const iterator = batches[Symbol.asyncIterator]();
      const pull = () => {
        const next = iterator.next();
        next.catch(() => undefined); // awaited below; a read still pending when the loop ends is dropped with the subscription
        return next;
      };
      for (let upcoming = pull(); ; ) {
        const { value: batch, done } = await upcoming;
        if (done) break;
        // The next batch is read and decoded while this one is applied: its commit waits on the store, not on this thread.
        upcoming = pull();
        const caughtUp = await this.apply(pass, batch);
        // A batch went through: earlier failures no longer say anything about the runner's health.
        this.failures = 0;
        this.lastError = null;
        if (caughtUp && rebuilding) return 'caught-up';
        if (caughtUp) this.state = 'live';
        if (this.stopping || this.leaseLost || (!rebuilding && this.rebuildWanted)) return 'interrupted';
      }
      if (this.stopping || this.leaseLost || (!rebuilding && this.rebuildWanted)) return 'interrupted';
      throw new Error('subscription ended');
    } finally {
      clearInterval(keeper);
      this.subscription = null;
      await subscription.close();
    }
  }

  /**
   * While live, a timer renews the lease and looks for rebuild requests from other processes, even
   * when no events arrive; losing the lease or a request closes the subscription.
   */
  private keepLeaseWhile(subscription: Subscription, rebuilding: boolean): NodeJS.Timeout {
    this.leaseLost = false;
    const every = Math.max(10, Math.min(this.options.leaseTtlMs / 3, this.options.rebuildPollMs));
    const timer = setInterval(() => {
      void (async () => {
        try {
          if (!(await this.holdLease())) this.leaseLost = true;
          else if (!rebuilding && !this.rebuildWanted && (await this.deps.checkpoints.takeRebuildRequest(this.name))) this.rebuildWanted = true;
        } catch (error) {
          this.deps.logger.warn({ projection: this.name, err: error }, 'lease renewal failed');
          if (Date.now() - this.leaseRenewedAt >= this.options.leaseTtlMs) this.leaseLost = true;
        }
        if (this.leaseLost || (!rebuilding && this.rebuildWanted)) await subscription.close();
      })();
    }, every);
    timer.unref();
    return timer;
  }

  /** Applies one batch of messages; returns true when it contained the caught-up signal. */
  private async apply(pass: Pass, batch: readonly SubscriptionMessage[]): Promise<boolean> {
    const started = this.deps.clock.now().getTime();
    let pending: RecordedEvent[] = [];
    let reached: Position | null = null;
    let caughtUp = false;
    let applied = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const events = pending;
      pending = [];
      applied += events.length;
      await this.commit(pass, events, (events.at(-1) as RecordedEvent).position);
    };
    for (const message of batch) {
      if (message.kind === 'caught-up') {
        caughtUp = true;
        continue;
      }
      if (message.kind === 'checkpoint') {
        reached = maxPosition(reached, message.position);
        continue;
      }
      if (!isAfter(message.event.position, pass.checkpoint)) continue;
      if (message.kind === 'undecodable') {
        await flush();
        await this.park(message.event, message.event.error, 1);
        reached = maxPosition(reached, message.event.position);
        continue;
      }
      // A fan-out event is committed on its own, so the per-document overlay never misses a query-update.
      if (this.projection.fanOut?.(message.event)) {
        await flush();
        pending = [message.event];
        await flush();
      } else {
        pending.push(message.event);
      }
    }
    await flush();
    if (reached !== null && isAfter(reached, pass.checkpoint)) await this.commitCheckpoint(pass, reached);
    if (applied > 0) this.deps.metrics.projectionBatch(this.name, applied, (this.deps.clock.now().getTime() - started) / 1000);
    return caughtUp;
  }

  /**
   * Commits events with the checkpoint. A failure is retried with backoff (forever while the store
   * is unavailable); a batch that keeps failing is retried event by event, and an event that keeps
   * failing is parked with its error.
   */
  private async commit(pass: Pass, events: readonly RecordedEvent[], checkpoint: Position): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const writes = await pass.applier.plan(events, async ({ error }) => {
          throw error;
        });
        const fanOuts = this.fanOuts(pass, events);
        await this.deps.readModels.commit([...writes, ...fanOuts], { projection: pass.checkpointName, position: checkpoint });
        pass.applier.committed(fanOuts.length > 0);
        this.advance(pass, checkpoint);
        return;
      } catch (error) {
        if (this.stopping) throw error;
        if (error instanceof StoreUnavailable || attempt < this.options.maxAttempts) {
          this.lastError = (error as Error).message;
          this.deps.logger.warn({ projection: this.name, attempt, err: error }, 'projection commit failed, retrying');
          await sleepUnless(backoffDelay(attempt, this.options.retryBaseMs, this.options.retryCapMs), this.stopSignal);
          continue;
        }
        if (events.length > 1) {
          for (const event of events) await this.commit(pass, [event], event.position);
          return;
        }
        const [event] = events as [RecordedEvent];
        await this.park(event, error as Error, attempt);
        await this.commitCheckpoint(pass, checkpoint);
        return;
      }
    }
  }

  private fanOuts(pass: Pass, events: readonly RecordedEvent[]): DocumentWrite[] {
    return events.flatMap((event) => {
      const fanOut = this.projection.fanOut?.(event);
      return fanOut ? [{ kind: 'update-where' as const, collection: pass.target.collection, ...fanOut, position: event.position }] : [];
    });
  }

  private async commitCheckpoint(pass: Pass, position: Position): Promise<void> {
    await this.deps.readModels.commit([], { projection: pass.checkpointName, position });
    this.advance(pass, position);
  }

  private advance(pass: Pass, position: Position): void {
    pass.checkpoint = maxPosition(pass.checkpoint, position);
    if (pass === this.live) this.deps.progress.advanced(this.name);
  }

  private async park(event: RecordedEvent | UndecodableEvent, error: Error, attempts: number): Promise<void> {
    const { eventId, streamId, revision, position, type } = event;
    await this.deps.parked.park({
      id: `${this.name}:${eventId}`,
      projection: this.name,
      eventId,
      streamId,
      revision,
      position,
      type,
      error: error.message,
      attempts,
      parkedAt: this.deps.clock.now().toISOString(),
    });
    this.deps.metrics.eventParked(this.name);
    this.deps.logger.error({ projection: this.name, eventId, streamId, revision, err: error }, 'event parked');
  }

  private async runRebuild(): Promise<void> {
    const waiters = this.rebuildWaiters.splice(0);
    this.rebuildWanted = false;
    this.state = 'rebuilding';
    try {
      const live = this.live.target;
      const copy: Target = {
        collection: rebuildCopyOf(live.collection),
        referenceCollection: live.referenceCollection ? rebuildCopyOf(live.referenceCollection) : null,
      };
      const checkpointName = `${this.name}__rebuild`;
      await this.deps.readModels.resetCollections(collectionsOfTarget(copy));
      // The rebuild sees every event again: what still fails is parked again.
      await this.forgetParked();
      // A fresh copy starts from the beginning, whatever an earlier, interrupted rebuild left behind.
      const pass = this.pass(checkpointName, copy, true);
      if ((await this.consume(pass, true)) !== 'caught-up') throw new Error('rebuild interrupted before it caught up; the live read model is unchanged');
      if (pass.checkpoint === null) {
        // Nothing in the log: the rebuilt read model is empty.
        await this.deps.readModels.resetCollections(collectionsOfTarget(live));
        for (const waiter of waiters) waiter.resolve();
        return;
      }
      const moves = collectionsOfTarget(copy).map((from, i) => ({ from, to: collectionsOfTarget(live)[i] as string }));
      await this.deps.readModels.promoteCollections(moves, { from: checkpointName, to: this.name });
      this.live.checkpoint = pass.checkpoint;
      this.deps.progress.advanced(this.name);
      this.deps.logger.info({ projection: this.name, checkpoint: pass.checkpoint }, 'projection rebuilt');
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error as Error);
      throw error;
    }
  }

  /** A standby runner cannot rebuild: the request goes to whichever process holds the lease. */
  private async forwardRebuild(): Promise<void> {
    await this.deps.checkpoints.requestRebuild(this.name);
    this.rebuildWanted = false;
    for (const waiter of this.rebuildWaiters.splice(0)) waiter.reject(new Error(`${this.name} runs in another process: the rebuild was handed to it`));
  }

  private async forgetParked(): Promise<void> {
    for (;;) {
      const parked = await this.deps.parked.list({ projection: this.name, limit: 100 });
      if (parked.length === 0) return;
      for (const p of parked) await this.deps.parked.remove(p.id);
    }
  }

  private pass(checkpointName: string, target: Target, freshTarget = false): Pass {
    return { checkpointName, target, applier: new ProjectionApplier(this.projection, this.deps.readModels, target, { freshTarget }), checkpoint: null };
  }

  private async holdLease(): Promise<boolean> {
    const held = await this.deps.checkpoints.tryAcquireLease(this.name, this.deps.owner, this.options.leaseTtlMs);
    if (held) this.leaseRenewedAt = Date.now();
    return held;
  }

  private resetStopSignal(): void {
    this.stopSignal = new Promise((resolve) => (this.signalStop = resolve));
  }
}
