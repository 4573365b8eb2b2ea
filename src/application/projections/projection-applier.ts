import {
  comparePositions,
  type DocumentWrite,
  type Position,
  type ReadModelStore,
  type RecordedEvent,
  type StoredDocument,
} from '../ports';
import type { AnyProjection } from './projection';

export interface Target {
  /** Where documents go: the live collections, or the copies a rebuild writes. */
  readonly collection: string;
  readonly referenceCollection: string | null;
}

/** The collections a target writes: its main collection and, when the projection has one, its reference collection. */
export const collectionsOfTarget = (target: Target): string[] =>
  target.referenceCollection ? [target.collection, target.referenceCollection] : [target.collection];

export interface ApplyFailure {
  readonly event: RecordedEvent;
  readonly error: Error;
}

interface Entry {
  doc: StoredDocument<unknown> | null;
  dirty: boolean;
}

const key = (collection: string, id: string) => `${collection}\u0000${id}`;
const notAfter = (doc: StoredDocument<unknown> | null, position: Position) => doc !== null && comparePositions(doc.position, position) >= 0;

/**
 * Turns a run of events into the guarded writes of one commit: loads every document the events
 * touch in one round trip per collection, folds the events in memory in order, and emits one put
 * or delete per changed document. Events at or below a document's position are skipped.
 */
export class ProjectionApplier {
  /**
   * For a fresh target (a rebuild copy, written only by this applier): every document committed so far.
   * A document it has not seen does not exist, so no read is needed. Dropped after a fan-out (which
   * changes documents in the store directly) or beyond `cacheLimit` documents; reads resume then.
   */
  private cache: Map<string, StoredDocument<unknown> | null> | null;
  private planned: Map<string, Entry> | null = null;

  constructor(
    private readonly projection: AnyProjection,
    private readonly store: ReadModelStore,
    private readonly target: Target,
    private readonly options: { readonly freshTarget?: boolean; readonly cacheLimit?: number } = {},
  ) {
    this.cache = options.freshTarget ? new Map() : null;
  }

  /** The writes of the last plan were committed: a fresh target's cache learns them. */
  committed(withFanOut: boolean): void {
    const planned = this.planned;
    this.planned = null;
    if (!this.cache || !planned) return;
    if (withFanOut || this.cache.size + planned.size > (this.options.cacheLimit ?? 200_000)) {
      this.cache = null;
      return;
    }
    for (const [k, entry] of planned) this.cache.set(k, entry.doc);
  }

  /** `evolveFailed` decides what to do when the projection throws for an event: rethrow, or skip it (after parking). */
  async plan(events: readonly RecordedEvent[], evolveFailed: (failure: ApplyFailure) => Promise<void>): Promise<DocumentWrite[]> {
    const overlay = await this.prefetch(events);
    const { projection, target } = this;
    const reference = projection.reference;
    for (const event of events) {
      try {
        const changes: [string, Entry][] = [];
        if (reference && target.referenceCollection) {
          const refId = reference.documentId(event);
          if (refId !== null) {
            const k = key(target.referenceCollection, refId);
            const current = overlay.get(k)?.doc ?? null;
            if (!notAfter(current, event.position)) {
              const data = reference.evolve(current?.data ?? null, event);
              changes.push([k, { doc: data === null ? null : { id: refId, position: event.position, revision: null, data }, dirty: true }]);
            }
          }
        }
        const docId = projection.documentId(event);
        if (docId !== null) {
          const k = key(target.collection, docId);
          const current = overlay.get(k)?.doc ?? null;
          if (!notAfter(current, event.position)) {
            const lookupId = reference && target.referenceCollection ? reference.lookupId(event) : null;
            const ref = lookupId === null ? null : (overlay.get(key(target.referenceCollection as string, lookupId))?.doc?.data ?? null);
            const data = projection.evolve(current?.data ?? null, event, ref);
            if (data !== null || current !== null) {
              changes.push([k, { doc: data === null ? null : { id: docId, position: event.position, revision: event.revision, data }, dirty: true }]);
            }
          }
        }
        // Only a fully successful event changes the overlay.
        for (const [k, entry] of changes) overlay.set(k, entry);
      } catch (error) {
        await evolveFailed({ event, error: error as Error });
      }
    }
    this.planned = overlay;
    return this.writesOf(overlay, events);
  }

  private async prefetch(events: readonly RecordedEvent[]): Promise<Map<string, Entry>> {
    const wanted = new Map<string, Set<string>>();
    const want = (collection: string | null, id: string | null) => {
      if (collection === null || id === null) return;
      const ids = wanted.get(collection) ?? new Set<string>();
      ids.add(id);
      wanted.set(collection, ids);
    };
    const { projection, target } = this;
    for (const event of events) {
      want(target.collection, projection.documentId(event));
      if (projection.reference) {
        want(target.referenceCollection, projection.reference.documentId(event));
        want(target.referenceCollection, projection.reference.lookupId(event));
      }
    }
    const overlay = new Map<string, Entry>();
    const { cache } = this;
    await Promise.all(
      [...wanted].map(async ([collection, ids]) => {
        if (cache) {
          for (const id of ids) overlay.set(key(collection, id), { doc: cache.get(key(collection, id)) ?? null, dirty: false });
          return;
        }
        const found = await this.store.getMany(collection, [...ids]);
        for (const id of ids) overlay.set(key(collection, id), { doc: found.get(id) ?? null, dirty: false });
      }),
    );
    return overlay;
  }

  private writesOf(overlay: Map<string, Entry>, events: readonly RecordedEvent[]): DocumentWrite[] {
    const last = events.at(-1)?.position;
    const writes: DocumentWrite[] = [];
    for (const [k, entry] of overlay) {
      if (!entry.dirty) continue;
      const [collection, id] = k.split('\u0000') as [string, string];
      if (entry.doc) writes.push({ kind: 'put', collection, id, data: entry.doc.data, position: entry.doc.position });
      else if (last) writes.push({ kind: 'delete', collection, id, position: last });
    }
    return writes;
  }
}
