/**
 * A global position in the event log, as an opaque string that is safe in JSON.
 * Two forms exist: "<n>" (in-memory and PostgreSQL: one increasing number) and
 * "<commit>/<prepare>" (EventStoreDB). A single number n reads as n/n, so both forms compare.
 */
export type Position = string;

const SINGLE = /^(0|[1-9][0-9]{0,19})$/;
const PAIR = /^(0|[1-9][0-9]{0,19})\/(0|[1-9][0-9]{0,19})$/;
const MAX = (1n << 64n) - 1n;

export class InvalidPosition extends Error {
  constructor(readonly value: string) {
    super(`"${value}" is not a valid position`);
    this.name = 'InvalidPosition';
  }
}

export const isPosition = (value: string): boolean => {
  if (!SINGLE.test(value) && !PAIR.test(value)) return false;
  return value.split('/').every((part) => BigInt(part) <= MAX);
};

export const parsePosition = (value: Position): readonly [bigint, bigint] => {
  if (!isPosition(value)) throw new InvalidPosition(value);
  const [commit, prepare = commit] = value.split('/') as [string, string?];
  return [BigInt(commit), BigInt(prepare)];
};

export const positionOf = (commit: bigint, prepare: bigint = commit): Position =>
  commit === prepare ? commit.toString() : `${commit}/${prepare}`;

export const comparePositions = (a: Position, b: Position): -1 | 0 | 1 => {
  // Hot path (every document guard): two plain numbers compare as canonical decimals, without BigInt.
  if (SINGLE.test(a) && SINGLE.test(b)) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const [ac, ap] = parsePosition(a);
  const [bc, bp] = parsePosition(b);
  if (ac !== bc) return ac < bc ? -1 : 1;
  if (ap !== bp) return ap < bp ? -1 : 1;
  return 0;
};

export const isAfter = (a: Position, b: Position | null): boolean => b === null || comparePositions(a, b) > 0;

export const maxPosition = (a: Position | null, b: Position | null): Position | null => {
  if (a === null) return b;
  if (b === null) return a;
  return comparePositions(a, b) >= 0 ? a : b;
};

/** A fixed-width string whose lexicographic order is the position order: for stores that compare strings. */
export const positionSortKey = (value: Position): string => {
  const [commit, prepare] = parsePosition(value);
  return `${commit.toString().padStart(20, '0')}/${prepare.toString().padStart(20, '0')}`;
};
