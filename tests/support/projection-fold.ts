// The reference semantics of the read side, written independently of the runner, the applier and the
// store: fold every event, in global order, through each projection's pure functions into plain maps.
import type { RecordedEvent, Scalar, Where } from '../../src/application/ports';
import type { AnyProjection, FanOut } from '../../src/application/projections/projection';

export type Collections = Map<string, Map<string, unknown>>;

type Data = Record<string, unknown>;

const matches = (element: unknown, fields: Readonly<Record<string, Scalar>>): boolean =>
  typeof element === 'object' &&
  element !== null &&
  Object.entries(fields).every(([field, value]) => (value === null ? (element as Data)[field] === null || (element as Data)[field] === undefined : (element as Data)[field] === value));

const matchesWhere = (data: Data, where: Where): boolean =>
  'field' in where
    ? matches(data, { [where.field]: where.equals })
    : Array.isArray(data[where.array]) && (data[where.array] as unknown[]).some((e) => matches(e, where.elementMatches));

const applyFanOut = (docs: Map<string, unknown>, fanOut: FanOut, skip: string | null): void => {
  for (const [id, doc] of docs) {
    if (id === skip || !matchesWhere(doc as Data, fanOut.where)) continue;
    const copy = structuredClone(doc) as Data;
    Object.assign(copy, fanOut.set ?? {});
    const inArray = fanOut.setInArray;
    if (inArray && Array.isArray(copy[inArray.array])) {
      for (const element of copy[inArray.array] as unknown[]) if (matches(element, inArray.elementMatches)) Object.assign(element as Data, inArray.set);
    }
    docs.set(id, copy);
  }
};

/** What a projection's collections hold after every event: main collection and reference collection (if any). */
export const foldProjection = (projection: AnyProjection, events: readonly RecordedEvent[]): Collections => {
  const docs = new Map<string, unknown>();
  const refs = new Map<string, unknown>();
  for (const event of events) {
    const reference = projection.reference;
    if (reference) {
      const refId = reference.documentId(event);
      if (refId !== null) {
        const next = reference.evolve(refs.get(refId) ?? null, event);
        if (next === null) refs.delete(refId);
        else refs.set(refId, next);
      }
    }
    const docId = projection.documentId(event);
    if (docId !== null) {
      const lookupId = reference?.lookupId(event) ?? null;
      const next = projection.evolve(docs.get(docId) ?? null, event, lookupId === null ? null : (refs.get(lookupId) ?? null));
      if (next === null) docs.delete(docId);
      else docs.set(docId, next);
    }
    const fanOut = projection.fanOut?.(event);
    // The store's update-where leaves documents already at this event's position alone.
    if (fanOut) applyFanOut(docs, fanOut, docId);
  }
  const result: Collections = new Map([[projection.collection, docs]]);
  if (projection.reference) result.set(projection.reference.collection, refs);
  return result;
};

/** JSON round trip, as a database stores a document: comparisons then ignore undefined fields and object identity. */
export const normalized = (docs: Map<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(Object.fromEntries([...docs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))))) as Record<string, unknown>;
