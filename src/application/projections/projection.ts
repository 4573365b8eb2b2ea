import type { ServiceEvent, ServiceEventType } from '../../domain';
import type { QueryUpdate, RecordedEvent } from '../ports';

/** A fan-out update: one query-update in the read-model store instead of a loop over documents. */
export type FanOut = QueryUpdate;

/**
 * Lookup documents a projection keeps for itself (e.g. customer names for order lists), in its
 * own collection, with its own checkpoint and rebuild — so its evolve stays pure and deterministic.
 */
export interface Reference<R> {
  readonly collection: string;
  /** Which reference document this event updates, if any. */
  documentId(event: RecordedEvent): string | null;
  evolve(reference: R | null, event: RecordedEvent): R | null;
  /** Which reference document the main evolve needs for this event, if any. */
  lookupId(event: RecordedEvent): string | null;
}

/**
 * A read model as a pure function: (document | null, event) → document | null, keyed by document id.
 * `null` as a result deletes the document.
 */
export interface Projection<D = unknown, R = unknown> {
  readonly name: string;
  /** catch-up: one runner, global order, checkpoint + lease. persistent: competing consumers, per-stream order only. */
  readonly mode: 'catch-up' | 'persistent';
  readonly collection: string;
  /** Which document this event changes, if any. */
  documentId(event: RecordedEvent): string | null;
  evolve(document: D | null, event: RecordedEvent, reference: R | null): D | null;
  /** Changes to many documents at once (renames reaching every denormalized copy). */
  fanOut?(event: RecordedEvent): FanOut | null;
  readonly reference?: Reference<R>;
}

// Projections are declared with their own document type; runners handle them all alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProjection = Projection<any, any>;

export const collectionsOf = (projection: AnyProjection): string[] =>
  projection.reference ? [projection.collection, projection.reference.collection] : [projection.collection];

/**
 * The events a projection reacts to, as a type guard: the others leave its documents unchanged, and
 * a switch over the narrowed event still ends in an exhaustive `never` check.
 */
export const handles = <T extends ServiceEventType>(...types: readonly T[]) => {
  const set = new Set<string>(types);
  return (event: RecordedEvent): event is RecordedEvent<Extract<ServiceEvent, { type: T }>> => set.has(event.type);
};
