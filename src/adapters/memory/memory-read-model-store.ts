import {
  assertFindQuery,
  assertLimit,
  assertPromotion,
  comparePositions,
  liveCollectionOf,
  parsePosition,
  type CheckpointWrite,
  type CollectionMove,
  type DocumentWrite,
  type FindQuery,
  type Position,
  type ReadModelDefinition,
  type ReadModelStore,
  type Scalar,
  type StoredDocument,
  type Where,
} from '../../application/ports';
import { assertNever } from '../../domain';
import { readModelDefinitions } from '../../application/projections/read-models';
import { jsonCopy, MemoryDocuments, type MemoryEntry } from './memory-documents';
import { scoreOf, wordsOf, wordWeightsOf, type TextField } from './text-search';

type Collection = Map<string, MemoryEntry>;
type Data = Record<string, unknown>;

const isObject = (value: unknown): value is Data => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Field equality as MongoDB does it for scalars: same type and value; `null` also matches a missing field. */
const fieldEquals = (data: Data, field: string, expected: Scalar): boolean => {
  const actual = data[field];
  return expected === null ? actual === null || actual === undefined : actual === expected;
};

const matchesAll = (element: unknown, fields: Readonly<Record<string, Scalar>>): boolean =>
  isObject(element) && Object.entries(fields).every(([field, expected]) => fieldEquals(element, field, expected));

const matchesWhere = (data: Data, where: Where): boolean => {
  if ('field' in where) return fieldEquals(data, where.field, where.equals);
  const elements = data[where.array];
  return Array.isArray(elements) && elements.some((element) => matchesAll(element, where.elementMatches));
};

/** Code point order (UTF-8 byte order, as MongoDB and PostgreSQL's "C" collation sort), not UTF-16 unit order. */
const compareStrings = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const fix = (unit: number) => (unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit);
      return fix(x) - fix(y);
    }
  }
  return a.length - b.length;
};

/** Sort rank of a value's type, in MongoDB's order: null/missing < numbers < strings < objects < booleans. */
const typeRank = (value: unknown): number => {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (typeof value === 'boolean') return 4;
  return 3;
};

const compareValues = (a: unknown, b: unknown): number => {
  const rank = typeRank(a) - typeRank(b);
  if (rank !== 0) return rank;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeRank(a) === 0) return 0;
  return compareStrings(JSON.stringify(a), JSON.stringify(b));
};

const compareTuples = (a: readonly unknown[], b: readonly unknown[]): number => {
  for (let i = 0; i < a.length; i++) {
    const order = compareValues(a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
};

const inRange = (value: unknown, range: NonNullable<FindQuery['range']>): boolean => {
  const within = (bound: string | number | undefined, sign: 1 | -1) =>
    bound === undefined || (typeof value === typeof bound && sign * compareValues(value, bound) >= 0);
  return (typeof value === 'string' || typeof value === 'number') && within(range.gte, 1) && within(range.lte, -1);
};

/** The writes of one commit, staged over the committed collections until all of them succeeded. */
class Staging {
  private readonly changes = new Map<string, Map<string, MemoryEntry | null>>();

  constructor(private readonly committed: ReadonlyMap<string, Collection>) {}

  get(collection: string, id: string): MemoryEntry | null {
    const staged = this.changes.get(collection)?.get(id);
    return staged !== undefined ? staged : (this.committed.get(collection)?.get(id) ?? null);
  }

  set(collection: string, id: string, entry: MemoryEntry | null): void {
    const staged = this.changes.get(collection) ?? new Map<string, MemoryEntry | null>();
    staged.set(id, entry);
    this.changes.set(collection, staged);
  }

  *entries(collection: string): Iterable<MemoryEntry> {
    const staged = this.changes.get(collection);
    for (const [id, entry] of this.committed.get(collection) ?? []) if (!staged?.has(id)) yield entry;
    for (const entry of staged?.values() ?? []) if (entry) yield entry;
  }

  applyTo(collections: Map<string, Collection>): void {
    for (const [name, staged] of this.changes) {
      const collection = collections.get(name) ?? new Map<string, MemoryEntry>();
      for (const [id, entry] of staged) {
        if (entry) collection.set(id, entry);
        else collection.delete(id);
      }
      collections.set(name, collection);
    }
  }
}

/**
 * The read-model port in memory, with the semantics the PostgreSQL and MongoDB adapters share
 * (tests/contract/read-model-store.contract.ts): guarded writes, atomic commits with their
 * checkpoint, keyset pagination, whole-word AND search ranked by field weights.
 */
export class MemoryReadModelStore implements ReadModelStore {
  private readonly textFields = new Map<string, readonly TextField[]>();

  constructor(
    private readonly documents: MemoryDocuments = new MemoryDocuments(),
    definitions: readonly ReadModelDefinition[] = readModelDefinitions,
  ) {
    for (const { collection, textFields } of definitions) if (textFields?.length) this.textFields.set(collection, textFields);
  }

  async get<D>(collection: string, id: string): Promise<StoredDocument<D> | null> {
    const entry = this.documents.collections.get(collection)?.get(id);
    return entry ? toStored<D>(entry) : null;
  }

  async getMany<D>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<D>>> {
    const stored = this.documents.collections.get(collection);
    const found = new Map<string, StoredDocument<D>>();
    for (const id of ids) {
      const entry = stored?.get(id);
      if (entry) found.set(id, toStored<D>(entry));
    }
    return found;
  }

  async find<D>(collection: string, query: FindQuery): Promise<StoredDocument<D>[]> {
    const { where = {}, range, orderBy, after, limit } = query;
    assertFindQuery(query);
    const keyOf = (entry: MemoryEntry) => orderBy.fields.map((field) => (field === 'id' ? entry.id : entry.data[field]));
    const sign = orderBy.direction === 'asc' ? 1 : -1;
    const matching: { entry: MemoryEntry; key: unknown[] }[] = [];
    for (const entry of this.documents.collections.get(collection)?.values() ?? []) {
      if (!Object.entries(where).every(([field, expected]) => fieldEquals(entry.data, field, expected))) continue;
      if (range && !inRange(entry.data[range.field], range)) continue;
      const key = keyOf(entry);
      if (after !== undefined && sign * compareTuples(key, after) <= 0) continue;
      matching.push({ entry, key });
    }
    matching.sort((a, b) => sign * compareTuples(a.key, b.key));
    return matching.slice(0, limit).map(({ entry }) => toStored<D>(entry));
  }

  async search<D>(collection: string, text: string, limit: number): Promise<StoredDocument<D>[]> {
    assertLimit(limit);
    const words = wordsOf(text);
    if (words.length === 0) return [];
    const hits: { entry: MemoryEntry; score: number }[] = [];
    for (const entry of this.documents.collections.get(collection)?.values() ?? []) {
      const score = entry.words ? scoreOf(entry.words, words) : null;
      if (score !== null) hits.push({ entry, score });
    }
    hits.sort((a, b) => b.score - a.score || compareStrings(a.entry.id, b.entry.id));
    return hits.slice(0, limit).map(({ entry }) => toStored<D>(entry));
  }

  async count(collection: string): Promise<number> {
    return this.documents.collections.get(collection)?.size ?? 0;
  }

  async commit(writes: readonly DocumentWrite[], checkpoint: CheckpointWrite | null): Promise<void> {
    // Everything is computed against a staging overlay first: a throwing write leaves no trace.
    const staging = new Staging(this.documents.collections);
    for (const write of writes) this.stage(staging, write);
    if (checkpoint) parsePosition(checkpoint.position);
    staging.applyTo(this.documents.collections);
    if (checkpoint) this.documents.checkpoints.set(checkpoint.projection, checkpoint.position);
  }

  async resetCollections(collections: readonly string[]): Promise<void> {
    for (const collection of collections) this.documents.collections.set(collection, new Map());
  }

  async promoteCollections(moves: readonly CollectionMove[], checkpoint: CollectionMove): Promise<void> {
    assertPromotion(moves, checkpoint);
    const { collections, checkpoints } = this.documents;
    // The target may have other text fields than the copy: re-derive its search words.
    const promoted = moves.map(({ from, to }) => {
      const copy = new Map<string, MemoryEntry>();
      for (const [id, entry] of collections.get(from) ?? []) copy.set(id, { ...entry, words: this.wordsFor(to, entry.data) });
      return { from, to, copy };
    });
    for (const { from, to, copy } of promoted) {
      collections.delete(from);
      collections.set(to, copy);
    }
    const position = checkpoints.get(checkpoint.from);
    checkpoints.delete(checkpoint.from);
    if (position === undefined) checkpoints.delete(checkpoint.to);
    else checkpoints.set(checkpoint.to, position);
  }

  private stage(staging: Staging, write: DocumentWrite): void {
    parsePosition(write.position);
    const { collection } = write;
    switch (write.kind) {
      case 'put': {
        const { id, position, revision } = write;
        if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 0)) throw new RangeError(`Invalid revision ${revision}`);
        if (!isObject(write.data)) throw new TypeError(`Document ${collection}/${id} must be a JSON object`);
        const stored = staging.get(collection, id);
        if (stored && !isOlder(stored, position, revision)) return;
        const data = jsonCopy(write.data);
        staging.set(collection, id, { id, position, revision: revision ?? null, data, words: this.wordsFor(collection, data) });
        return;
      }
      case 'delete': {
        const stored = staging.get(collection, write.id);
        if (stored && comparePositions(stored.position, write.position) < 0) staging.set(collection, write.id, null);
        return;
      }
      case 'update-where': {
        const { where, set, setInArray, position } = write;
        const updated: MemoryEntry[] = [];
        for (const entry of staging.entries(collection)) {
          if (comparePositions(entry.position, position) >= 0 || !matchesWhere(entry.data, where)) continue;
          const data = jsonCopy(entry.data);
          if (set) Object.assign(data, set);
          if (setInArray) {
            const elements = data[setInArray.array];
            if (Array.isArray(elements)) {
              for (const element of elements) if (matchesAll(element, setInArray.elementMatches)) Object.assign(element as Data, setInArray.set);
            }
          }
          updated.push({ ...entry, position, data, words: this.wordsFor(collection, data) });
        }
        for (const entry of updated) staging.set(collection, entry.id, entry);
        return;
      }
      default:
        return assertNever(write);
    }
  }

  /** A rebuild copy ("x__rebuild") searches like its live collection unless it has a definition of its own. */
  private wordsFor(collection: string, data: Data) {
    const fields = this.textFields.get(collection) ?? this.textFields.get(liveCollectionOf(collection));
    return fields ? wordWeightsOf(data, fields) : null;
  }
}

/** The stored document is older than the write: by revision when both have one, otherwise by position. */
const isOlder = (stored: MemoryEntry, position: Position, revision: number | undefined): boolean =>
  revision !== undefined && stored.revision !== null ? stored.revision < revision : comparePositions(stored.position, position) < 0;

const toStored = <D>(entry: MemoryEntry): StoredDocument<D> => ({
  id: entry.id,
  position: entry.position,
  revision: entry.revision,
  data: jsonCopy(entry.data) as D,
});
