import type { Filter } from 'mongodb';
import { parsePosition, positionSortKey, type Position, type Scalar, type StoredDocument } from '../../application/ports';
import { wordWeightsOf, type TextField } from '../memory/text-search';

/**
 * A read-model document as MongoDB stores it: the projection's data nested under `data`, so its
 * fields never collide with the bookkeeping and every query path is `data.<field>`.
 */
export interface ReadModelRecord {
  _id: string;
  /** positionSortKey(position): fixed width, so string order is log order. Guards and `$lt` compare this. */
  pos: string;
  /** The position as the port reports it ("42", "123/120"). */
  position: Position;
  /** Stream revision of the last event applied, for single-stream documents; null otherwise. */
  rev: number | null;
  data: Record<string, unknown>;
  /** Collections with text fields only: the distinct words (wordsOf) of all text fields, multikey-indexed for `$all`. */
  words?: string[];
  /** Collections with text fields only: word → sum of the weights of the text fields it occurs in (the search score). */
  weights?: Record<string, number>;
}

/** Never returned to callers: the search index of a document. */
export const HIDDEN_FIELDS = { words: 0, weights: 0 } as const;

export const toStored = <D>(record: ReadModelRecord): StoredDocument<D> => ({
  id: record._id,
  position: record.position,
  revision: record.rev ?? null,
  data: record.data as D,
});

/** The sortable key of a position; throws InvalidPosition before anything is written. */
export const sortKeyOf = (position: Position): string => {
  parsePosition(position);
  return positionSortKey(position);
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const assertNoBigInt = (value: unknown, path: string, seen: WeakSet<object>): void => {
  if (typeof value === 'bigint') {
    throw new TypeError(`${path} is a BigInt: it cannot be stored in MongoDB (it would come back as a number or a Long); store it as a string`);
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) value.forEach((element, i) => assertNoBigInt(element, `${path}[${i}]`, seen));
  else for (const [key, element] of Object.entries(value)) assertNoBigInt(element, `${path}.${key}`, seen);
};

/**
 * A JSON copy of `value`, the shape every store keeps (Dates become strings, undefined disappears).
 * BigInt is refused with the path where it was found: it never reaches the BSON serializer.
 */
export const storableJson = <T>(value: T, what: string): T => {
  assertNoBigInt(value, what, new WeakSet());
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${what} cannot be stored: it is not a JSON value`);
  return JSON.parse(text) as T;
};

export const storableObject = (value: unknown, what: string): Record<string, unknown> => {
  if (!isPlainObject(value)) throw new TypeError(`${what} must be a JSON object`);
  return storableJson(value, what);
};

/** A value compared or set by a query: a scalar only, never an object that MongoDB would read as an operator. */
export const assertScalar = (value: unknown, what: string): Scalar => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new TypeError(`${what} must be a string, a finite number, a boolean or null, got ${typeof value === 'bigint' ? 'a BigInt' : JSON.stringify(value)}`);
};

/** A top-level field name usable in a query path: not empty, no ".", no leading "$". */
export const assertFieldName = (field: string, what: string): string => {
  if (field === '' || field.includes('.') || field.startsWith('$') || field.includes('\u0000')) {
    throw new RangeError(`${what} "${field}" is not a usable field name (no ".", no leading "$")`);
  }
  return field;
};

export const assertCollectionName = (name: string): string => {
  if (name === '' || name.includes('$') || name.includes('\u0000') || name.startsWith('system.')) {
    throw new RangeError(`"${name}" is not a valid MongoDB collection name`);
  }
  return name;
};

export const assertRevision = (revision: number | undefined): void => {
  if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 0)) throw new RangeError(`Invalid revision ${revision}`);
};

export const dataPath = (field: string): string => `data.${field}`;

/** Several conditions in one filter: merged while their keys differ, otherwise under $and. */
export const allOf = (...parts: Filter<ReadModelRecord>[]): Filter<ReadModelRecord> => {
  const present = parts.filter((part) => Object.keys(part).length > 0);
  if (present.length <= 1) return present[0] ?? {};
  const keys = present.flatMap((part) => Object.keys(part));
  return new Set(keys).size === keys.length ? (Object.assign({}, ...present) as Filter<ReadModelRecord>) : { $and: present };
};

/** The search index of a document: every word of its text fields, and per word the weight it scores. */
export const searchIndexOf = (data: unknown, fields: readonly TextField[]): { words: string[]; weights: Record<string, number> } => {
  const weights = wordWeightsOf(data, fields);
  // fromEntries defines own properties, so a word such as "constructor" is just a key.
  return { words: [...weights.keys()], weights: Object.fromEntries(weights) };
};

/**
 * The idempotency guard of a put: it matches the stored document only when that one is older —
 * by revision when both have one, otherwise by position — or carries no position at all. When it
 * matches nothing the upsert tries to insert `_id` again: E11000 = the document is newer = already applied.
 */
export const putGuard = (id: string, key: string, revision?: number): Filter<ReadModelRecord> =>
  revision === undefined
    ? { _id: id, $or: [{ pos: { $lt: key } }, { pos: { $exists: false } }] }
    : { _id: id, $or: [{ rev: { $lt: revision } }, { rev: null, pos: { $lt: key } }, { pos: { $exists: false } }] };

export const deleteGuard = (id: string, key: string): Filter<ReadModelRecord> => ({ _id: id, pos: { $lt: key } });

/** putGuard evaluated on a stored document read in the same transaction snapshot (null: absent). */
export const putGuardPasses = (stored: Pick<ReadModelRecord, 'pos' | 'rev'> | null, key: string, revision?: number): boolean => {
  if (stored === null || typeof stored.pos !== 'string') return true;
  if (revision !== undefined && typeof stored.rev === 'number') return stored.rev < revision;
  return stored.pos < key;
};
