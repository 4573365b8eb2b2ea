import {
  NotFound,
  parsePosition,
  ValidationFailed,
  type CheckpointStore,
  type Clock,
  type EventStore,
  type ParkedEventStore,
  type ParkedMessage,
  type PersistentSubscriptions,
  type Position,
  type ReadModelStore,
} from '../ports';
import type { RunnerStatus } from './catch-up-runner';
import { ProjectionApplier } from './projection-applier';
import type { AnyProjection } from './projection';

export interface ProjectionInfo {
  readonly name: string;
  readonly mode: 'catch-up' | 'persistent';
  readonly checkpoint: Position | null;
  readonly head: Position | null;
  /** Distance from the checkpoint to the head of the log (events for memory/PostgreSQL, bytes for EventStoreDB). */
  readonly lag: number | null;
  /** This process's runner state, or where the lease says it runs. */
  readonly state: string;
  readonly lastError: string | null;
  readonly parked: number;
}

export interface ParkedItem {
  readonly id: string;
  readonly projection: string;
  readonly mode: 'catch-up' | 'persistent';
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: Position;
  readonly type: string;
  readonly error: string;
  readonly parkedAt: string | null;
}

export type ReplayOutcome =
  | { readonly outcome: 'applied' }
  /** The documents had already moved past the event: rebuild the projection to include it. */
  | { readonly outcome: 'superseded' }
  /** The whole group's parked messages were sent back to its consumers. */
  | { readonly outcome: 'replayed-group'; readonly group: string }
  | { readonly outcome: 'failed'; readonly error: string };

/** A runner of this process, as operations see it. */
export interface LocalRunner {
  readonly name: string;
  status(): RunnerStatus;
  rebuild?(): Promise<void>;
}

export interface OperationsDependencies {
  readonly projections: readonly AnyProjection[];
  readonly eventStore: EventStore;
  readonly persistent: PersistentSubscriptions | null;
  readonly readModels: ReadModelStore;
  readonly checkpoints: CheckpointStore;
  readonly parked: ParkedEventStore;
  /** The clock leases are written with (the application clock), to tell a live lease from an expired one. */
  readonly clock: Clock;
  /** Persistent subscription group of each persistent projection. */
  readonly groupOf: (projection: string) => string;
  readonly runners: () => readonly LocalRunner[];
}

const PERSISTENT_PREFIX = 'persistent:';

/** Status, rebuild and parked events of every projection: what the admin API and the CLI show. */
export class ProjectionOperations {
  constructor(private readonly deps: OperationsDependencies) {}

  async list(): Promise<ProjectionInfo[]> {
    const head = await this.deps.eventStore.headPosition();
    return Promise.all(this.deps.projections.map((p) => this.info(p, head)));
  }

  async info(projection: AnyProjection, head: Position | null): Promise<ProjectionInfo> {
    const local = this.deps.runners().find((r) => r.name === projection.name)?.status();
    const checkpoint = local?.checkpoint ?? (await this.deps.checkpoints.load(projection.name));
    const lease = projection.mode === 'catch-up' && !local ? await this.deps.checkpoints.leaseOf(projection.name) : null;
    const parked =
      projection.mode === 'persistent' && this.deps.persistent
        ? (await this.parkedInGroup(this.deps.persistent, this.deps.groupOf(projection.name), 1000)).length
        : await this.deps.parked.count(projection.name);
    return {
      name: projection.name,
      mode: projection.mode,
      checkpoint,
      head,
      lag: head === null ? null : Number(parsePosition(head)[0] - (checkpoint === null ? 0n : parsePosition(checkpoint)[0])),
      state: local?.state ?? (lease && Date.parse(lease.expiresAt) > this.deps.clock.now().getTime() ? `running in ${lease.owner}` : 'not running here'),
      lastError: local?.lastError ?? null,
      parked,
    };
  }

  /** Rebuilds in this process when its runner is here, otherwise asks the process that holds the lease. */
  async rebuild(name: string): Promise<{ readonly status: 'started' | 'requested' }> {
    const projection = this.projection(name);
    if (projection.mode !== 'catch-up') {
      throw new ValidationFailed('rebuild', [{ path: '/name', message: `${name} is a persistent projection: replay its parked events instead` }]);
    }
    // Only the runner holding the lease rebuilds: a standby or stopped one here hands the request to the store.
    const local = this.deps.runners().find((r) => r.name === name);
    const state = local?.status().state;
    if (local?.rebuild && state !== 'standby' && state !== 'stopped') {
      void local.rebuild().catch(() => undefined);
      return { status: 'started' };
    }
    await this.deps.checkpoints.requestRebuild(name);
    return { status: 'requested' };
  }

  async listParked(limit = 100): Promise<ParkedItem[]> {
    const catchUp = (await this.deps.parked.list({ limit })).map((p): ParkedItem => ({ ...p, mode: 'catch-up' }));
    const groups = this.deps.persistent;
    const persistent = await Promise.all(
      this.deps.projections
        .filter((p) => p.mode === 'persistent' && groups)
        .map(async (p) => {
          const group = this.deps.groupOf(p.name);
          const messages = await this.parkedInGroup(groups as PersistentSubscriptions, group, limit);
          return messages.map((m): ParkedItem => ({
            id: `${PERSISTENT_PREFIX}${group}:${m.eventId}`,
            projection: p.name,
            mode: 'persistent',
            eventId: m.eventId,
            streamId: m.streamId,
            revision: m.revision,
            position: m.position,
            type: m.type,
            error: m.reason,
            parkedAt: null,
          }));
        }),
    );
    return [...catchUp, ...persistent.flat()].slice(0, limit);
  }

  /**
   * Catch-up: reads the event again and applies it where the documents have not moved past it.
   * Persistent: the server replays every parked message of the group (EventStoreDB has no per-message replay).
   */
  async replayParked(id: string): Promise<ReplayOutcome> {
    if (id.startsWith(PERSISTENT_PREFIX)) {
      const group = id.slice(PERSISTENT_PREFIX.length, id.lastIndexOf(':'));
      const known = this.deps.projections.some((p) => p.mode === 'persistent' && this.deps.groupOf(p.name) === group);
      if (!known || !this.deps.persistent) throw new NotFound('parked event', id);
      await this.deps.persistent.replayParked(group);
      return { outcome: 'replayed-group', group };
    }
    const parked = await this.deps.parked.get(id);
    if (!parked) throw new NotFound('parked event', id);
    const projection = this.projection(parked.projection);
    try {
      const [event] = await this.deps.eventStore.readStream(parked.streamId, { fromRevision: parked.revision, maxCount: 1 });
      if (!event || event.eventId !== parked.eventId) throw new Error(`event ${parked.eventId} is no longer at ${parked.streamId}@${parked.revision}`);
      const target = { collection: projection.collection, referenceCollection: projection.reference?.collection ?? null };
      const writes = await new ProjectionApplier(projection, this.deps.readModels, target).plan([event], async ({ error }) => {
        throw error;
      });
      const fanOut = projection.fanOut?.(event);
      if (fanOut) writes.push({ kind: 'update-where', collection: projection.collection, ...fanOut, position: event.position });
      // Nothing to write: every document already moved past the event. It stays parked until a rebuild.
      if (writes.length === 0) return { outcome: 'superseded' };
      await this.deps.readModels.commit(writes, null);
      await this.deps.parked.remove(id);
      return { outcome: 'applied' };
    } catch (error) {
      return { outcome: 'failed', error: (error as Error).message };
    }
  }

  // A group exists once a worker has run: before that (a fresh deployment, an API-only process) nothing is parked in it.
  private async parkedInGroup(groups: PersistentSubscriptions, group: string, maxCount: number): Promise<ParkedMessage[]> {
    try {
      return await groups.listParked(group, { maxCount });
    } catch (error) {
      if (error instanceof NotFound) return [];
      throw error;
    }
  }

  private projection(name: string): AnyProjection {
    const found = this.deps.projections.find((p) => p.name === name);
    if (!found) throw new NotFound('projection', name);
    return found;
  }
}
