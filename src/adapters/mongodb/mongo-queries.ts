import type { Document, Filter } from 'mongodb';
import { assertFindQuery, type FindQuery, type Scalar } from '../../application/ports';
import { allOf, assertFieldName, assertScalar, dataPath, HIDDEN_FIELDS, type ReadModelRecord } from './mongo-documents';

export interface MongoFind {
  readonly filter: Filter<ReadModelRecord>;
  readonly sort: Record<string, 1 | -1>;
  readonly limit: number;
}

/** In orderBy, "id" is the document id; every other name is a field of the data. */
const sortPath = (field: string): string => (field === 'id' ? '_id' : dataPath(assertFieldName(field, 'orderBy field')));

const rangeBound = (value: unknown, what: string): string | number => {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new TypeError(`${what} must be a string or a finite number`);
};

/**
 * Keyset pagination after the sort values of the last row: f1 beyond a1, or f1 = a1 and f2 beyond
 * a2, ... The leading `f1 ≥ a1` (or ≤) bound is redundant but lets the compound index scan a range.
 */
const keysetFilter = (paths: readonly string[], after: readonly Scalar[], direction: 'asc' | 'desc'): Filter<ReadModelRecord> => {
  const beyond = direction === 'asc' ? '$gt' : '$lt';
  const clauses = paths.map((path, i) => {
    const clause: Record<string, unknown> = {};
    for (let j = 0; j < i; j++) clause[paths[j] as string] = after[j];
    clause[path] = { [beyond]: after[i] };
    return clause;
  });
  if (clauses.length === 1) return clauses[0] as Filter<ReadModelRecord>;
  return { [paths[0] as string]: { [direction === 'asc' ? '$gte' : '$lte']: after[0] }, $or: clauses };
};

/**
 * FindQuery → filter + sort. Equality on scalars matches the port (2 ≠ "2"; null also matches a
 * missing field); range operators compare within one BSON type, as the port requires; strings sort
 * by code point (no collation). Sorting on `data.<fields>, _id` is what the compound indexes hold.
 */
export const findQueryOf = (query: FindQuery): MongoFind => {
  const { where = {}, range, orderBy, after, limit } = query;
  assertFindQuery(query);
  // A sort document holds each path once.
  if (new Set(orderBy.fields).size !== orderBy.fields.length) throw new RangeError('orderBy.fields must not repeat a field');
  const paths = orderBy.fields.map(sortPath);
  const direction = orderBy.direction === 'asc' ? 1 : -1;
  const equalities: Record<string, Scalar> = {};
  for (const [field, value] of Object.entries(where)) equalities[dataPath(assertFieldName(field, 'where field'))] = assertScalar(value, `where.${field}`);
  const bounds: Record<string, string | number> = {};
  if (range?.gte !== undefined) bounds.$gte = rangeBound(range.gte, 'range.gte');
  if (range?.lte !== undefined) bounds.$lte = rangeBound(range.lte, 'range.lte');
  const rangeFilter = range ? { [dataPath(assertFieldName(range.field, 'range field'))]: Object.keys(bounds).length > 0 ? bounds : { $type: ['string', 'number'] } } : {};
  const keyset = after === undefined ? {} : keysetFilter(paths, after.map((value, i) => assertScalar(value, `after[${i}]`)), orderBy.direction);
  return {
    filter: allOf(equalities, rangeFilter, keyset),
    sort: Object.fromEntries(paths.map((path) => [path, direction])),
    limit,
  };
};

/**
 * The search of the port, exactly: every query word among the document's words (`$all` on the
 * multikey `words` index), scored by the sum of the weights stored per word, ties by id.
 */
export const searchPipelineOf = (queryWords: readonly string[], limit: number): Document[] => [
  { $match: { words: { $all: [...queryWords] } } },
  {
    $addFields: {
      _score: { $add: queryWords.map((word) => ({ $ifNull: [{ $getField: { field: { $literal: word }, input: '$weights' } }, 0] })) },
    },
  },
  { $sort: { _score: -1, _id: 1 } },
  { $limit: limit },
  { $project: { ...HIDDEN_FIELDS, _score: 0 } },
];
