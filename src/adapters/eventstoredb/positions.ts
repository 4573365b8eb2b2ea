import type { Position as EsdbPosition } from '@eventstore/db-client';
import { parsePosition, positionOf, type Position } from '../../application/ports';

/**
 * EventStoreDB positions are {commit, prepare} bigints (dist/types/index.d.ts `Position`); the ports carry
 * them as one JSON-safe string, "<commit>/<prepare>", or "<n>" when both are equal (application/ports/position.ts).
 */
export const toPosition = (position: EsdbPosition): Position => positionOf(position.commit, position.prepare);

export const toEsdbPosition = (position: Position): EsdbPosition => {
  const [commit, prepare] = parsePosition(position);
  return { commit, prepare };
};

/** a is strictly after b, in log order. */
export const isAfterEsdb = (a: EsdbPosition, b: EsdbPosition): boolean => a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);

/** A stream revision from the client (bigint) as the ports carry it (a safe integer). */
export const toRevision = (revision: bigint): number => {
  if (revision > BigInt(Number.MAX_SAFE_INTEGER) || revision < -1n) throw new RangeError(`stream revision ${revision} does not fit a safe integer`);
  return Number(revision);
};
