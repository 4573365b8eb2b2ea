import type { Position } from './position';

export type Scalar = string | number | boolean | null;

/** Describes a read-model collection so adapters can create indexes and the text index. */
export interface ReadModelDefinition {
  readonly collection: string;
  /** Fields searched by `search`, with relative weights (higher = more relevant). Paths may go into arrays: "items.productName". */
  readonly textFields?: readonly { readonly field: string; readonly weight: number }[];
  /** Secondary indexes the queries rely on, each a list of top-level fields. */
  readonly indexes?: readonly (readonly string[])[];
}

export interface StoredDocument<D> {
  readonly id: string;
  /** Position of the last event applied to this document. */
  readonly position: Position;
  /** Stream revision of the last event applied, for documents that follow a single stream. */
  readonly revision: number | null;
  readonly data: D;
}

/**
 * Equality on top-level fields (strict: 2 does not match "2"; `equals: null` also matches a missing
 * field), or "some element of an array field matches all these fields".
 */
export type Where =
  | { readonly field: string; readonly equals: Scalar }
  | { readonly array: string; readonly elementMatches: Readonly<Record<string, Scalar>> };

/**
 * A query-update: on every document matching `where`, set top-level fields and/or fields of the matching
 * array elements.
 */
export interface QueryUpdate {
  readonly where: Where;
  readonly set?: Readonly<Record<string, Scalar>>;
  readonly setInArray?: {
    readonly array: string;
    readonly elementMatches: Readonly<Record<string, Scalar>>;
    readonly set: Readonly<Record<string, Scalar>>;
  };
}

export type DocumentWrite =
  /**
   * Insert or replace a document. Guarded: applied only when the stored document is absent or older —
   * by revision when `revision` is given, otherwise by position.
   */
  | {
      readonly kind: 'put';
      readonly collection: string;
      readonly id: string;
      readonly data: unknown;
      readonly position: Position;
      readonly revision?: number;
    }
  /** Delete a document, guarded by position like put. */
  | { readonly kind: 'delete'; readonly collection: string; readonly id: string; readonly position: Position }
  /** Fan-out: the query-update, on the matching documents whose position is before `position`, which it stamps. */
  | (QueryUpdate & { readonly kind: 'update-where'; readonly collection: string; readonly position: Position });

/**
 * Sort and range fields must hold non-null values of one type (strings compare by code point, i.e.
 * PostgreSQL `COLLATE "C"`); `limit` is at least 1.
 */
export interface FindQuery {
  /** Top-level field equalities, all of which must hold. */
  readonly where?: Readonly<Record<string, Scalar>>;
  /** Inclusive range on one top-level field. */
  readonly range?: { readonly field: string; readonly gte?: string | number; readonly lte?: string | number };
  /** Sort fields, all in one direction; the document id ("id") must be last so the order is total. */
  readonly orderBy: { readonly fields: readonly string[]; readonly direction: 'asc' | 'desc' };
  /** Keyset pagination: the orderBy values of the last document of the previous page. */
  readonly after?: readonly Scalar[];
  readonly limit: number;
}

export interface CheckpointWrite {
  readonly projection: string;
  readonly position: Position;
}

/** The document store behind every read model. */
export interface ReadModelStore {
  get<D>(collection: string, id: string): Promise<StoredDocument<D> | null>;
  getMany<D>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<D>>>;
  find<D>(collection: string, query: FindQuery): Promise<StoredDocument<D>[]>;
  /**
   * Full-text search over the collection's textFields. A word is a maximal run of Unicode letters,
   * marks or digits (NFC, lower-cased); every query word must occur as a whole word (AND, no
   * stemming, no prefixes). Ranked by the sum, over query words, of the weights of the fields the
   * word occurs in; ties by id. A query without words, or a collection without text fields: [].
   */
  search<D>(collection: string, text: string, limit: number): Promise<StoredDocument<D>[]>;
  count(collection: string): Promise<number>;
  /**
   * Applies the writes in order, then records the checkpoint — atomically where the store allows
   * (PostgreSQL, MongoDB replica set); otherwise the checkpoint is written last.
   */
  commit(writes: readonly DocumentWrite[], checkpoint: CheckpointWrite | null): Promise<void>;
  /** Drops (if present) and recreates empty collections, e.g. the copies a rebuild writes into. */
  resetCollections(collections: readonly string[]): Promise<void>;
  /**
   * Replaces each `to` collection with its `from` copy (the copy disappears; a missing copy counts
   * as empty) and moves the checkpoint of `checkpoint.from` to `checkpoint.to` (a missing one
   * clears `to`). Deletes leave no tombstone.
   */
  promoteCollections(moves: readonly CollectionMove[], checkpoint: CollectionMove): Promise<void>;
}

/** A rename: of a collection (a rebuild copy to its live name), or of a checkpoint. */
export interface CollectionMove {
  readonly from: string;
  readonly to: string;
}

// The argument checks every store makes, with the same errors (tests/contract/read-model-store.contract.ts).

export const assertLimit = (limit: number): void => {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
};

export const assertFindQuery = ({ orderBy, after, limit }: FindQuery): void => {
  assertLimit(limit);
  if (orderBy.fields.at(-1) !== 'id') throw new RangeError('orderBy.fields must end with "id" so the order is total');
  if (after !== undefined && after.length !== orderBy.fields.length) {
    throw new RangeError(`after has ${after.length} values for ${orderBy.fields.length} orderBy fields`);
  }
};

export const assertPromotion = (moves: readonly CollectionMove[], checkpoint: CollectionMove): void => {
  const names = moves.flatMap(({ from, to }) => [from, to]);
  if (new Set(names).size !== names.length) throw new RangeError('promoteCollections: every collection may appear in one move only');
  if (checkpoint.from === checkpoint.to) throw new RangeError('promoteCollections: checkpoint.from and checkpoint.to must differ');
};

/** Name of the copy a rebuild writes into before it replaces the live collection. */
export const rebuildCopyOf = (collection: string): string => `${collection}__rebuild`;
export const liveCollectionOf = (collection: string): string => collection.replace(/__rebuild$/, '');
