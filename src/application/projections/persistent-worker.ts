import {
  maxPosition,
  type CheckpointStore,
  type Clock,
  type DocumentWrite,
  type Logger,
  type Metrics,
  type PersistentDelivery,
  type PersistentGroupSettings,
  type PersistentSubscription,
  type PersistentSubscriptions,
  type Position,
  type ReadModelStore,
} from '../ports';
import { backoffDelay, sleepUnless } from '../shared/timing';
import type { RunnerState, RunnerStatus } from './catch-up-runner';
import type { ProjectionProgress } from './projection-progress';
import { Watermark } from './watermark';
import type { AnyProjection } from './projection';

export interface PersistentWorkerOptions {
  readonly group: string;
  readonly settings: PersistentGroupSettings;
  readonly bufferSize: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
}

export interface PersistentWorkerDependencies {
  readonly persistent: PersistentSubscriptions;
  readonly readModels: ReadModelStore;
  readonly checkpoints: CheckpointStore;
  readonly progress: ProjectionProgress;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Runs a per-stream projection on a server-side subscription group: workers compete, each event
 * is acked after it is applied, nacked for retry when it fails (the server parks it after the
 * retry budget). Documents carry their stream revision; an event arriving before its predecessor
 * is retried later, a repeated one is acked without effect.
 */
export class PersistentProjectionWorker {
  private state: RunnerState = 'stopped';
  private lastError: string | null = null;
  private checkpoint: Position | null = null;
  private watermark = new Watermark(null, 0);
  private savedAt = 0;
  private saveTimer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private stopSignal!: Promise<void>;
  private signalStop!: () => void;
  private subscription: PersistentSubscription | null = null;

  constructor(
    readonly projection: AnyProjection,
    private readonly deps: PersistentWorkerDependencies,
    private readonly options: PersistentWorkerOptions,
  ) {
    if (projection.mode !== 'persistent') throw new Error(`${projection.name} is not a persistent projection`);
    if (projection.reference || projection.fanOut) throw new Error(`${projection.name}: per-stream projections cannot use references or fan-out`);
  }

  get name(): string {
    return this.projection.name;
  }

  get group(): string {
    return this.options.group;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.stopSignal = new Promise((resolve) => (this.signalStop = resolve));
    this.loop = this.run().finally(() => (this.loop = null));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop?.();
    await this.subscription?.close();
    await this.loop;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.saveCheckpoint(true).catch(() => undefined);
  }

  status(): RunnerStatus {
    return { name: this.name, mode: 'persistent', state: this.state, checkpoint: this.checkpoint, lastError: this.lastError };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        // Continue from what any worker recorded, so the checkpoint never moves back on restart.
        this.checkpoint = maxPosition(this.checkpoint, await this.deps.checkpoints.load(this.name));
        const { maxRetryCount, messageTimeoutMs } = this.options.settings;
        this.watermark = new Watermark(this.checkpoint, (maxRetryCount + 2) * messageTimeoutMs);
        await this.deps.persistent.ensureGroup(this.options.group, this.options.settings);
        const subscription = this.deps.persistent.subscribe(this.options.group, { bufferSize: this.options.bufferSize });
        this.subscription = subscription;
        // stop() while connecting found no subscription to close; an idle group would keep the loop waiting forever.
        if (this.stopping) {
          this.subscription = null;
          await subscription.close();
          break;
        }
        this.state = 'live';
        try {
          for await (const delivery of subscription) {
            await this.handle(subscription, delivery);
            failures = 0;
            if (this.stopping) break;
          }
        } finally {
          this.subscription = null;
          await subscription.close();
        }
        if (!this.stopping) throw new Error('persistent subscription ended');
      } catch (error) {
        if (this.stopping) break;
        failures++;
        this.state = 'retrying';
        this.lastError = (error as Error).message;
        this.deps.logger.warn({ projection: this.name, err: error, attempt: failures }, 'persistent subscription failed, reconnecting');
        await sleepUnless(backoffDelay(failures, this.options.retryBaseMs, this.options.retryCapMs), this.stopSignal);
      }
    }
    this.state = 'stopped';
  }

  private async handle(subscription: PersistentSubscription, delivery: PersistentDelivery): Promise<void> {
    const { eventId, position } = delivery.event;
    if (delivery.kind === 'undecodable') {
      await subscription.nack(delivery, 'park', delivery.event.error.message);
      this.watermark.resolved(eventId, position);
      return this.saveCheckpoint(false);
    }
    const { event } = delivery;
    const id = this.projection.documentId(event);
    if (id === null) {
      // Events of other streams only move the checkpoint, so readers waiting for their position are let through.
      await subscription.ack(delivery);
      this.watermark.resolved(eventId, position);
      return this.saveCheckpoint(false);
    }
    const started = this.deps.clock.now().getTime();
    try {
      const current = await this.deps.readModels.get<unknown>(this.projection.collection, id);
      const appliedRevision = current?.revision ?? -1;
      if (event.revision <= appliedRevision) {
        await subscription.ack(delivery);
        this.watermark.resolved(eventId, position);
        return this.saveCheckpoint(false);
      }
      if (event.revision > appliedRevision + 1) {
        await this.retry(subscription, delivery, `waiting for revision ${appliedRevision + 1} of ${event.streamId}`);
        return;
      }
      const data = this.projection.evolve(current?.data ?? null, event, null);
      const { collection } = this.projection;
      const writes: DocumentWrite[] =
        data !== null
          ? [{ kind: 'put', collection, id, data, position: event.position, revision: event.revision }]
          : current
            ? [{ kind: 'delete', collection, id, position: event.position }]
            : [];
      this.watermark.resolved(eventId, position);
      this.checkpoint = maxPosition(this.checkpoint, this.watermark.value(started));
      await this.deps.readModels.commit(writes, this.checkpoint === null ? null : { projection: this.name, position: this.checkpoint });
      this.savedAt = started;
      await subscription.ack(delivery);
      this.deps.progress.advanced(this.name);
      this.deps.metrics.projectionBatch(this.name, 1, (this.deps.clock.now().getTime() - started) / 1000);
      this.lastError = null;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.deps.logger.warn({ projection: this.name, eventId, retryCount: delivery.retryCount, err: error }, 'event failed, nacked for retry');
      await this.retry(subscription, delivery, (error as Error).message);
    }
  }

  private async retry(subscription: PersistentSubscription, delivery: PersistentDelivery, reason: string): Promise<void> {
    await subscription.nack(delivery, 'retry', reason);
    // Past the retry budget the server parks it: it no longer holds the checkpoint back.
    if (delivery.retryCount >= this.options.settings.maxRetryCount) this.watermark.resolved(delivery.event.eventId, delivery.event.position);
    else this.watermark.retrying(delivery.event.eventId, this.deps.clock.now().getTime());
  }

  /** Saves the watermark as the checkpoint, at most every 100 ms (a timer saves what is left). */
  private async saveCheckpoint(force: boolean): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const next = maxPosition(this.checkpoint, this.watermark.value(now));
    if (next === null || next === this.checkpoint) return;
    if (!force && now - this.savedAt < 100) {
      this.saveTimer ??= setTimeout(() => {
        this.saveTimer = null;
        void this.saveCheckpoint(true).catch((error: unknown) => this.deps.logger.warn({ projection: this.name, err: error }, 'checkpoint not saved'));
      }, 100);
      this.saveTimer.unref();
      return;
    }
    this.savedAt = now;
    await this.deps.readModels.commit([], { projection: this.name, position: next });
    this.checkpoint = next;
    this.deps.progress.advanced(this.name);
  }
}
