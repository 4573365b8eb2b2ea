import type { Db, IndexDescription } from 'mongodb';
import { liveCollectionOf, type Logger, type ReadModelDefinition } from '../../application/ports';
import type { TextField } from '../memory/text-search';
import { dataPath } from './mongo-documents';
import { hasCode, INDEX_KEY_SPECS_CONFLICT, INDEX_OPTIONS_CONFLICT, NAMESPACE_EXISTS } from './mongo-errors';

/** The adapter's own collections, next to the read models. */
export const internalCollections = {
  checkpoints: 'projection_checkpoints',
  leases: 'projection_leases',
  parked: 'parked_events',
  snapshots: 'snapshots',
  idempotency: 'idempotency_records',
} as const;

const internalNames: ReadonlySet<string> = new Set(Object.values(internalCollections));

export const isInternalCollection = (name: string): boolean => internalNames.has(name);

/** Idempotency records are dropped by a TTL index this long after they were stored. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export const TEXT_INDEX = 'text';
export const WORDS_INDEX = 'words';
export const POSITION_INDEX = 'pos';
export const indexNameOf = (fields: readonly string[]): string => `by_${fields.join('_')}`;

/**
 * The indexes of a read-model collection: `pos` (the fan-out guard `pos < p`), one compound index per
 * definition index with `_id` appended (every find sorts by its fields then the id, so the index also
 * gives the order and keyset pagination never sorts in memory), and for text fields the multikey
 * `words` index the search filters on plus the weighted text index.
 */
export const indexSpecsOf = (definition: ReadModelDefinition | null): IndexDescription[] => {
  const specs: IndexDescription[] = [{ key: { pos: 1 }, name: POSITION_INDEX }];
  for (const fields of definition?.indexes ?? []) {
    const key: Record<string, 1> = {};
    for (const field of fields) key[dataPath(field)] = 1;
    key._id = 1;
    specs.push({ key, name: indexNameOf(fields) });
  }
  const textFields = definition?.textFields ?? [];
  if (textFields.length > 0) {
    specs.push({ key: { words: 1 }, name: WORDS_INDEX });
    const key: Record<string, 'text'> = {};
    const weights: Record<string, number> = {};
    for (const { field, weight } of textFields) {
      key[dataPath(field)] = 'text';
      weights[dataPath(field)] = weight;
    }
    // No stemming or stop words; a field that can never exist decides the language, so no document field ("language") can.
    specs.push({ key, name: TEXT_INDEX, weights, default_language: 'none', language_override: 'textIndexLanguage' });
  }
  return specs;
};

const isIndexConflict = (error: unknown): boolean => hasCode(error, INDEX_OPTIONS_CONFLICT) || hasCode(error, INDEX_KEY_SPECS_CONFLICT);

export const internalIndexSpecs: Readonly<Partial<Record<keyof typeof internalCollections, IndexDescription[]>>> = {
  parked: [
    { key: { projection: 1, parkedAt: 1, _id: 1 }, name: 'by_projection_parkedAt' },
    { key: { parkedAt: 1, _id: 1 }, name: 'by_parkedAt' },
  ],
  idempotency: [{ key: { storedAt: 1 }, name: 'expiry', expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS }],
};

/**
 * Knows each collection's definition (a rebuild copy "x__rebuild" uses the one of "x") and makes
 * sure a collection exists with its indexes before anything writes to it — once per process, since
 * createIndexes is a no-op round trip for identical specs. Collections are created outside
 * transactions, so a commit never changes the catalog inside one.
 */
export class MongoCollections {
  private readonly definitions = new Map<string, ReadModelDefinition>();
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    definitions: readonly ReadModelDefinition[],
    private readonly logger: Logger,
  ) {
    for (const definition of definitions) this.definitions.set(definition.collection, definition);
  }

  get defined(): string[] {
    return [...this.definitions.keys()];
  }

  definitionOf(collection: string): ReadModelDefinition | null {
    return this.definitions.get(collection) ?? this.definitions.get(liveCollectionOf(collection)) ?? null;
  }

  textFieldsOf(collection: string): readonly TextField[] | null {
    const fields = this.definitionOf(collection)?.textFields;
    return fields && fields.length > 0 ? fields : null;
  }

  ensure(collection: string): Promise<void> {
    let ready = this.ready.get(collection);
    if (!ready) {
      ready = this.createIndexes(collection, indexSpecsOf(this.definitionOf(collection)));
      ready.catch(() => this.ready.delete(collection));
      this.ready.set(collection, ready);
    }
    return ready;
  }

  /** After a drop or a rename the collection must be prepared again. */
  forget(collection: string): void {
    this.ready.delete(collection);
  }

  async ensureInternal(): Promise<void> {
    for (const [role, name] of Object.entries(internalCollections) as [keyof typeof internalCollections, string][]) {
      const specs = internalIndexSpecs[role];
      if (specs) await this.createIndexes(name, specs);
      else await this.createCollection(name);
    }
  }

  private async createIndexes(collection: string, specs: IndexDescription[]): Promise<void> {
    try {
      // createIndexes creates the collection too, and is idempotent for identical specs.
      await this.db.collection(collection).createIndexes(specs);
    } catch (error) {
      if (!isIndexConflict(error)) throw error;
      // One index of the same name has another shape (its definition changed): create the others one by one.
      for (const spec of specs) {
        try {
          await this.db.collection(collection).createIndexes([spec]);
        } catch (conflict) {
          if (!isIndexConflict(conflict)) throw conflict;
          this.logger.warn({ collection, index: spec.name, err: conflict }, 'index differs from its definition; rebuild the projection to apply the new one');
        }
      }
    }
  }

  private async createCollection(name: string): Promise<void> {
    try {
      await this.db.createCollection(name);
    } catch (error) {
      if (!hasCode(error, NAMESPACE_EXISTS)) throw error;
    }
  }
}
