import { fold, type ServiceEvent } from '../../domain';
import {
  ConcurrencyError,
  type Clock,
  type EventStore,
  type IdGenerator,
  type Logger,
  type NewEvent,
  type Position,
  type RecordedEvent,
  type SnapshotStore,
} from '../ports';
import { backoffDelay, sleep } from '../shared/timing';
import type { Aggregate } from './aggregates';
import type { CommandContext, CommandResult } from './command.types';

export interface CommandExecutorOptions {
  /**
   * Save a snapshot whenever the stream crosses a multiple of this many events (0 = never). A retried
   * command is recognised while its events are after the newest snapshot or among the snapshotEvery before it.
   */
  readonly snapshotEvery: number;
  /** Attempts on a concurrency conflict when the caller gave no expected revision. */
  readonly maxAttempts: number;
  /** Base of the jittered exponential backoff between attempts. */
  readonly retryBaseMs: number;
}

export const defaultExecutorOptions: CommandExecutorOptions = { snapshotEvery: 50, maxAttempts: 5, retryBaseMs: 5 };

export interface Loaded<S> {
  readonly streamId: string;
  readonly state: S;
  /** Revision of the last event folded in; -1 when the stream does not exist. */
  readonly revision: number;
  /** Events read after the snapshot (all events when there was none). */
  readonly events: readonly RecordedEvent[];
  /** The events a retried command is looked for in: `events`, plus up to snapshotEvery events the snapshot covers. */
  readonly recent: readonly RecordedEvent[];
  readonly lastPosition: Position | null;
}


/**
 * The one command path: load (snapshot + newer events) → fold → decide → append with the
 * expected revision. Event ids are derived from the command id, so a retry writes nothing twice.
 */
export class CommandExecutor {
  constructor(
    private readonly eventStore: EventStore,
    private readonly snapshots: SnapshotStore,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: CommandExecutorOptions = defaultExecutorOptions,
  ) {
    for (const [name, dependency] of Object.entries({ eventStore, snapshots, ids, clock, logger })) {
      if (!dependency) throw new Error(`CommandExecutor needs ${name}`);
    }
  }

  async load<C, E extends ServiceEvent, S>(aggregate: Aggregate<C, E, S>, id: string): Promise<Loaded<S>> {
    const streamId = aggregate.streamId(id);
    const { decider } = aggregate;
    const snapshot = this.options.snapshotEvery > 0 ? await this.snapshots.load(streamId) : null;
    // A snapshot of another state version describes a shape this code no longer has: fold from scratch.
    const usable = snapshot && snapshot.stateVersion === decider.stateVersion ? snapshot : null;
    // The last snapshotEvery events before the snapshot are read too (not folded): a retried command whose
    // events the snapshot covers must still find them, or it would append them a second time.
    const recent = await this.eventStore.readStream(streamId, { fromRevision: usable ? Math.max(0, usable.revision + 1 - this.options.snapshotEvery) : 0 });
    const events = usable ? recent.filter((e) => e.revision > usable.revision) : recent;
    const state = fold(decider, usable ? (usable.state as S) : decider.initialState, events as unknown as readonly E[]);
    const last = recent.at(-1);
    return {
      streamId,
      state,
      revision: events.at(-1)?.revision ?? usable?.revision ?? -1,
      events,
      recent,
      lastPosition: last?.position ?? null,
    };
  }

  async execute<C, E extends ServiceEvent, S>(aggregate: Aggregate<C, E, S>, id: string, command: C, context: CommandContext): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(aggregate, id);
      const earlier = this.resultOfEarlierRun(id, loaded, context);
      if (earlier) return earlier;
      if (context.expectedRevision !== undefined && context.expectedRevision !== loaded.revision) {
        throw new ConcurrencyError(loaded.streamId, context.expectedRevision, loaded.revision);
      }
      const decided = aggregate.decider.decide(command, loaded.state);
      if (decided.length === 0) {
        return { id, streamId: loaded.streamId, revision: loaded.revision, position: await this.lastPosition(loaded), appended: 0 };
      }
      const events = this.toNewEvents(loaded.streamId, decided, context);
      try {
        const result = await this.eventStore.append(loaded.streamId, events, loaded.revision === -1 ? 'no_stream' : loaded.revision);
        await this.maybeSnapshot(aggregate, loaded, decided, result.nextExpectedRevision);
        return { id, streamId: loaded.streamId, revision: result.nextExpectedRevision, position: result.position, appended: decided.length };
      } catch (error) {
        const retry = error instanceof ConcurrencyError && context.expectedRevision === undefined && attempt < this.options.maxAttempts;
        if (!retry) throw error;
        this.logger.debug({ streamId: loaded.streamId, attempt, correlationId: context.correlationId }, 'concurrency conflict, retrying');
        await sleep(backoffDelay(attempt, this.options.retryBaseMs, this.options.retryBaseMs * 2 ** this.options.maxAttempts));
      }
    }
  }

  /** A retried command finds its own events (the ids derived from its command id) in the stream: answer as the first run did. */
  private resultOfEarlierRun<S>(id: string, loaded: Loaded<S>, context: CommandContext): CommandResult | null {
    const events = loaded.recent;
    const first = this.eventId(loaded.streamId, context, 0);
    const start = events.findIndex((e) => e.eventId === first);
    if (start < 0) return null;
    let last = events[start] as RecordedEvent;
    for (let i = 1; events[start + i]?.eventId === this.eventId(loaded.streamId, context, i); i++) {
      last = events[start + i] as RecordedEvent;
    }
    return { id, streamId: loaded.streamId, revision: last.revision, position: last.position, appended: 0 };
  }

  // When a snapshot covered the whole stream, the position of its last event still has to be read.
  private async lastPosition<S>(loaded: Loaded<S>): Promise<Position | null> {
    if (loaded.lastPosition !== null || loaded.revision < 0) return loaded.lastPosition;
    const [last] = await this.eventStore.readStream(loaded.streamId, { direction: 'backwards', maxCount: 1 });
    return last?.position ?? null;
  }

  private eventId(streamId: string, context: CommandContext, index: number): string {
    return this.ids.deriveId(`${context.commandId}/${streamId}/${index}`);
  }

  private toNewEvents(streamId: string, decided: readonly ServiceEvent[], context: CommandContext): NewEvent[] {
    const metadata = {
      correlationId: context.correlationId,
      causationId: context.causationId ?? context.commandId,
      actor: context.actor,
      occurredAt: this.clock.now().toISOString(),
    };
    return decided.map((event, index) => ({ ...event, eventId: this.eventId(streamId, context, index), metadata }));
  }

  private async maybeSnapshot<C, E extends ServiceEvent, S>(aggregate: Aggregate<C, E, S>, loaded: Loaded<S>, decided: readonly E[], revision: number) {
    const every = this.options.snapshotEvery;
    if (every <= 0 || Math.floor((loaded.revision + 1) / every) === Math.floor((revision + 1) / every)) return;
    const state = fold(aggregate.decider, loaded.state, decided);
    try {
      await this.snapshots.save({ streamId: loaded.streamId, revision, stateVersion: aggregate.decider.stateVersion, state });
    } catch (error) {
      // A snapshot is an optimisation: the command already succeeded.
      this.logger.warn({ streamId: loaded.streamId, err: error }, 'snapshot not saved');
    }
  }
}
