import type { AnyBulkWriteOperation, Document, Filter, UpdateFilter } from 'mongodb';
import type { DocumentWrite, Scalar, Where } from '../../application/ports';
import { assertNever } from '../../domain';
import type { TextField } from '../memory/text-search';
import {
  allOf,
  assertCollectionName,
  assertFieldName,
  assertRevision,
  assertScalar,
  dataPath,
  deleteGuard,
  putGuard,
  searchIndexOf,
  sortKeyOf,
  storableObject,
  type ReadModelRecord,
} from './mongo-documents';

/** A put's guard, kept with its bulk operation: an E11000 on that operation means "already applied". */
export interface GuardedPut {
  readonly id: string;
  readonly key: string;
  readonly revision?: number;
}

export interface BulkOp {
  readonly model: AnyBulkWriteOperation<ReadModelRecord>;
  readonly put: GuardedPut | null;
}

/** Puts and deletes of distinct documents: order among them does not matter, so each collection's share is one unordered bulkWrite. */
export interface BulkStep {
  readonly kind: 'bulk';
  readonly byCollection: ReadonlyMap<string, readonly BulkOp[]>;
}

export interface UpdateManyOp {
  readonly filter: Filter<ReadModelRecord>;
  readonly update: UpdateFilter<ReadModelRecord>;
  readonly arrayFilters?: Document[];
}

/** A fan-out: updateMany with the position guard; `reindex` = the update changed text fields, so the touched documents get new words. */
export interface UpdateWhereStep {
  readonly kind: 'update-where';
  readonly collection: string;
  readonly key: string;
  readonly updates: readonly UpdateManyOp[];
  readonly reindex: readonly TextField[] | null;
}

export type WriteStep = BulkStep | UpdateWhereStep;

/** The identifier of the matching array elements in `$[el]` updates and their arrayFilters. */
export const ELEMENT = 'el';

type TextFieldsOf = (collection: string) => readonly TextField[] | null;

/**
 * Turns a commit's writes into steps that keep the port's "applies the writes in order":
 * consecutive puts/deletes of distinct documents form one step (an unordered bulkWrite per
 * collection, free to reorder them); a second write to a document already in the step, and every
 * update-where (it reads what earlier writes left), start a new step. The catch-up runner sends
 * one put or delete per document plus its fan-outs, i.e. one bulk step and at most one update-where.
 * Validates everything first: a bad write throws before anything reaches the server.
 */
export const planWrites = (writes: readonly DocumentWrite[], textFieldsOf: TextFieldsOf): WriteStep[] => {
  const steps: WriteStep[] = [];
  let current: { byCollection: Map<string, BulkOp[]>; ids: Set<string> } | null = null;
  const add = (collection: string, id: string, op: BulkOp) => {
    const documentKey = `${collection}\u0000${id}`;
    if (!current || current.ids.has(documentKey)) {
      current = { byCollection: new Map(), ids: new Set() };
      steps.push({ kind: 'bulk', byCollection: current.byCollection });
    }
    current.ids.add(documentKey);
    const ops = current.byCollection.get(collection) ?? [];
    ops.push(op);
    current.byCollection.set(collection, ops);
  };
  for (const write of writes) {
    const collection = assertCollectionName(write.collection);
    const key = sortKeyOf(write.position);
    switch (write.kind) {
      case 'put':
        add(collection, write.id, putOp(write, key, textFieldsOf(collection)));
        break;
      case 'delete':
        add(collection, write.id, { model: { deleteOne: { filter: deleteGuard(write.id, key) } }, put: null });
        break;
      case 'update-where':
        current = null;
        steps.push(updateWhereStep(write, key, textFieldsOf(collection)));
        break;
      default:
        assertNever(write);
    }
  }
  return steps;
};

const putOp = (write: Extract<DocumentWrite, { kind: 'put' }>, key: string, textFields: readonly TextField[] | null): BulkOp => {
  const { collection, id, position, revision } = write;
  assertRevision(revision);
  const data = storableObject(write.data, `Document ${collection}/${id}`);
  const replacement: Omit<ReadModelRecord, '_id'> = { pos: key, position, rev: revision ?? null, data, ...(textFields ? searchIndexOf(data, textFields) : {}) };
  const guard: GuardedPut = revision === undefined ? { id, key } : { id, key, revision };
  return { model: { replaceOne: { filter: putGuard(id, key, revision), replacement, upsert: true } }, put: guard };
};

const whereFilter = (where: Where): Filter<ReadModelRecord> => {
  if ('field' in where) return { [dataPath(assertFieldName(where.field, 'where.field'))]: assertScalar(where.equals, `where ${where.field}`) };
  return { [dataPath(assertFieldName(where.array, 'where.array'))]: { $elemMatch: elementQuery(where.elementMatches, '') } };
};

/** Equalities on the fields of an array element (`prefix` "el." inside arrayFilters); none = any object element. */
const elementQuery = (fields: Readonly<Record<string, Scalar>>, prefix: string): Document => {
  const entries = Object.entries(fields);
  if (entries.length === 0) return prefix === '' ? { $type: 'object' } : { [ELEMENT]: { $type: 'object' } };
  return Object.fromEntries(entries.map(([field, value]) => [`${prefix}${assertFieldName(field, 'elementMatches')}`, assertScalar(value, `elementMatches.${field}`)]));
};

const updateWhereStep = (write: Extract<DocumentWrite, { kind: 'update-where' }>, key: string, textFields: readonly TextField[] | null): UpdateWhereStep => {
  const { collection, where, set = {}, setInArray, position } = write;
  const topLevel: Record<string, Scalar | string> = { pos: key, position };
  for (const [field, value] of Object.entries(set)) topLevel[dataPath(assertFieldName(field, 'set'))] = assertScalar(value, `set.${field}`);
  const guarded = allOf(whereFilter(where), { pos: { $lt: key } });
  const inArray = setInArray && Object.keys(setInArray.set).length > 0 ? setInArray : null;
  if (!inArray) return { kind: 'update-where', collection, key, updates: [{ filter: guarded, update: { $set: topLevel } }], reindex: reindexed(textFields, set, null) };

  const array = assertFieldName(inArray.array, 'setInArray.array');
  if (Object.hasOwn(set, array)) throw new RangeError(`update-where on ${collection}: "${array}" is both set and updated in place`);
  const elementSets: Record<string, Scalar | string> = { ...topLevel };
  for (const [field, value] of Object.entries(inArray.set)) {
    elementSets[`${dataPath(array)}.$[${ELEMENT}].${assertFieldName(field, 'setInArray.set')}`] = assertScalar(value, `setInArray.set.${field}`);
  }
  const arrayFilters = [elementQuery(inArray.elementMatches, `${ELEMENT}.`)];
  // `$[el]` fails on a document without the array: unless `where` matched an element of it, such documents get the top-level part alone.
  const whereImpliesArray = 'array' in where && where.array === array;
  const updates: UpdateManyOp[] = whereImpliesArray
    ? [{ filter: guarded, update: { $set: elementSets }, arrayFilters }]
    : [
        { filter: allOf(guarded, { [dataPath(array)]: { $type: 'array' } }), update: { $set: elementSets }, arrayFilters },
        { filter: allOf(guarded, { [dataPath(array)]: { $not: { $type: 'array' } } }), update: { $set: topLevel } },
      ];
  return { kind: 'update-where', collection, key, updates, reindex: reindexed(textFields, set, inArray) };
};

/** The text fields an update-where changes: then the words of the documents it touched must be recomputed. */
const reindexed = (
  textFields: readonly TextField[] | null,
  set: Readonly<Record<string, Scalar>>,
  inArray: { readonly array: string; readonly set: Readonly<Record<string, Scalar>> } | null,
): readonly TextField[] | null => {
  if (!textFields) return null;
  const touches = textFields.some(({ field }) => {
    const [head = '', next] = field.split('.');
    return Object.hasOwn(set, head) || (inArray !== null && inArray.array === head && next !== undefined && Object.hasOwn(inArray.set, next));
  });
  return touches ? textFields : null;
};

/** The update that refreshes a document's search index after a fan-out, guarded so a later write is never overwritten. */
export const reindexOp = (record: Pick<ReadModelRecord, '_id' | 'data'>, key: string, textFields: readonly TextField[]): AnyBulkWriteOperation<ReadModelRecord> => ({
  updateOne: { filter: { _id: record._id, pos: key }, update: { $set: searchIndexOf(record.data, textFields) } },
});
