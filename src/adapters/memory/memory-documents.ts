import type { Lease, Position } from '../../application/ports';
import type { WordWeights } from './text-search';

/** A document as kept in memory: `data` is a private JSON copy that is replaced, never mutated. */
export interface MemoryEntry {
  readonly id: string;
  readonly position: Position;
  readonly revision: number | null;
  readonly data: Record<string, unknown>;
  /** Search words with their weights, for collections that have text fields. */
  readonly words: WordWeights | null;
}

/**
 * The state behind MemoryReadModelStore and MemoryCheckpointStore: one object, so a commit's
 * documents and checkpoint change together, as they do in one PostgreSQL or MongoDB transaction.
 */
export class MemoryDocuments {
  readonly collections = new Map<string, Map<string, MemoryEntry>>();
  readonly checkpoints = new Map<string, Position>();
  readonly leases = new Map<string, Lease>();
  readonly rebuildRequests = new Set<string>();
}

/** A deep copy through JSON, which is what a database round trip does to a document. */
export const jsonCopy = <T>(value: T): T => {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('Value cannot be stored as JSON');
  return JSON.parse(text) as T;
};
