import type { Position } from './position';

/**
 * An event a catch-up projection gave up on after its retries. Only a reference is kept: a replay
 * reads the event again from the event store, so a fixed codec or projection sees the fixed data.
 */
export interface ParkedEvent {
  readonly id: string;
  readonly projection: string;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: Position;
  readonly type: string;
  readonly error: string;
  readonly attempts: number;
  readonly parkedAt: string;
}

export interface ParkedEventStore {
  /** Idempotent on `id`. */
  park(event: ParkedEvent): Promise<void>;
  list(options: { readonly projection?: string; readonly limit: number }): Promise<ParkedEvent[]>;
  get(id: string): Promise<ParkedEvent | null>;
  remove(id: string): Promise<void>;
  count(projection?: string): Promise<number>;
}
