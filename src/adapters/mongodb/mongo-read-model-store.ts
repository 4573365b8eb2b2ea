import { MongoBulkWriteError, type AnyBulkWriteOperation, type ClientSession, type Collection, type Db, type MongoClient, type TransactionOptions } from 'mongodb';
import {
  assertLimit,
  assertPromotion,
  type CheckpointWrite,
  type CollectionMove,
  type DocumentWrite,
  type FindQuery,
  type Logger,
  type ReadModelStore,
  type StoredDocument,
} from '../../application/ports';
import { wordsOf } from '../memory/text-search';
import { internalCollections, isInternalCollection, type MongoCollections } from './mongo-collections';
import { assertCollectionName, HIDDEN_FIELDS, putGuardPasses, sortKeyOf, toStored, type ReadModelRecord } from './mongo-documents';
import { DUPLICATE_KEY, hasCode, mongoCall, NAMESPACE_NOT_FOUND, writeErrorsOf } from './mongo-errors';
import { findQueryOf, searchPipelineOf } from './mongo-queries';
import { planWrites, reindexOp, type BulkOp, type BulkStep, type UpdateWhereStep, type WriteStep } from './mongo-write-plan';

/** A projection's checkpoint, written by commit in the same transaction as its documents (replica set). */
export interface CheckpointRecord {
  _id: string;
  position: string;
  pos: string;
}

export interface MongoReadModelStoreOptions {
  readonly db: Db;
  readonly client: Pick<MongoClient, 'startSession'>;
  /** The deployment is a replica set (or a sharded cluster): a commit and its checkpoint are one transaction. */
  readonly transactions: boolean;
  readonly collections: MongoCollections;
  readonly logger: Logger;
}

// Snapshot reads inside the transaction (the guard pre-check), majority-acknowledged commit.
export const TRANSACTION_OPTIONS: TransactionOptions = { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } };

/** Fan-out reindexing writes this many documents per bulkWrite. */
const REINDEX_CHUNK = 1_000;

/**
 * True when every write error of an unordered bulkWrite is an E11000 on a guarded upsert: each is
 * a document already newer than the write (see putGuard). Anything else is a real failure.
 */
export const onlyAlreadyApplied = (error: unknown, ops: readonly BulkOp[]): boolean => {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const errors = writeErrorsOf(error);
  if (errors.length === 0 || error.result?.getWriteConcernError()) return false;
  return errors.every((writeError) => writeError.code === DUPLICATE_KEY && (ops[writeError.index]?.put ?? null) !== null);
};

/**
 * The ReadModelStore port on MongoDB (semantics: tests/contract/read-model-store.contract.ts).
 *
 * A commit is planned and validated in full before the first round trip (planWrites), then runs as
 * one unordered bulkWrite per collection and step, the fan-outs as guarded updateMany, and the
 * checkpoint last. On a replica set all of it is one transaction; on a standalone server every write
 * is idempotent (guarded by position), so a commit interrupted halfway is repaired when the runner
 * replays it from the checkpoint it did not reach.
 */
export class MongoReadModelStore implements ReadModelStore {
  private readonly db: Db;
  private readonly collections: MongoCollections;

  constructor(private readonly options: MongoReadModelStoreOptions) {
    this.db = options.db;
    this.collections = options.collections;
  }

  async get<D>(collection: string, id: string): Promise<StoredDocument<D> | null> {
    const record = await mongoCall(() => this.collection(collection).findOne({ _id: id }, { projection: HIDDEN_FIELDS }));
    return record ? toStored<D>(record) : null;
  }

  async getMany<D>(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument<D>>> {
    const found = new Map<string, StoredDocument<D>>();
    if (ids.length === 0) return found;
    const records = await mongoCall(() =>
      this.collection(collection)
        .find({ _id: { $in: [...new Set(ids)] } }, { projection: HIDDEN_FIELDS })
        .toArray(),
    );
    for (const record of records) found.set(record._id, toStored<D>(record));
    return found;
  }

  async find<D>(collection: string, query: FindQuery): Promise<StoredDocument<D>[]> {
    const { filter, sort, limit } = findQueryOf(query);
    const records = await mongoCall(() => this.collection(collection).find(filter, { sort, limit, projection: HIDDEN_FIELDS }).toArray());
    return records.map((record) => toStored<D>(record));
  }

  async search<D>(collection: string, text: string, limit: number): Promise<StoredDocument<D>[]> {
    assertLimit(limit);
    const words = wordsOf(text);
    if (words.length === 0 || this.collections.textFieldsOf(collection) === null) return [];
    const records = await mongoCall(() => this.collection(collection).aggregate<ReadModelRecord>(searchPipelineOf(words, limit)).toArray());
    return records.map((record) => toStored<D>(record));
  }

  async count(collection: string): Promise<number> {
    return mongoCall(() => this.collection(collection).countDocuments({}));
  }

  async commit(writes: readonly DocumentWrite[], checkpoint: CheckpointWrite | null): Promise<void> {
    const steps = planWrites(writes, (collection) => {
      this.assertReadModel(collection);
      return this.collections.textFieldsOf(collection);
    });
    const checkpointRecord = checkpoint === null ? null : { _id: checkpoint.projection, position: checkpoint.position, pos: sortKeyOf(checkpoint.position) };
    if (steps.length === 0 && checkpointRecord === null) return;
    await mongoCall(async () => {
      await Promise.all([...new Set(steps.map((step) => collectionsOf(step)).flat())].map((name) => this.collections.ensure(name)));
      if (!this.options.transactions || steps.length === 0) {
        await this.apply(steps, undefined);
        if (checkpointRecord) await this.saveCheckpoint(checkpointRecord, undefined);
        return;
      }
      await this.inTransaction(async (session) => {
        // The callback may run again (transient errors): it recomputes everything from the server state it reads.
        await this.apply(steps, session);
        if (checkpointRecord) await this.saveCheckpoint(checkpointRecord, session);
      });
    });
  }

  async resetCollections(collections: readonly string[]): Promise<void> {
    for (const name of collections) this.assertReadModel(name);
    await mongoCall(async () => {
      for (const name of collections) {
        this.collections.forget(name);
        await this.db.dropCollection(name);
        await this.collections.ensure(name);
      }
    });
  }

  /**
   * Renames each copy over its live collection (`renameCollection` with dropTarget: atomic per
   * collection, not across collections), then moves the checkpoint — last, so a crash in between
   * leaves live collections at least as new as their checkpoint, which a replay only confirms.
   */
  async promoteCollections(moves: readonly CollectionMove[], checkpoint: CollectionMove): Promise<void> {
    assertPromotion(moves, checkpoint);
    for (const { from, to } of moves) {
      this.assertReadModel(from);
      this.assertReadModel(to);
    }
    await mongoCall(async () => {
      for (const { from, to } of moves) {
        this.collections.forget(from);
        this.collections.forget(to);
        try {
          await this.db.renameCollection(from, to, { dropTarget: true });
        } catch (error) {
          if (!hasCode(error, NAMESPACE_NOT_FOUND)) throw error;
          // A missing copy counts as empty.
          await this.db.dropCollection(to);
        }
        await this.collections.ensure(to);
      }
      await this.moveCheckpoint(checkpoint.from, checkpoint.to);
    });
  }

  private collection(name: string): Collection<ReadModelRecord> {
    return this.db.collection<ReadModelRecord>(assertCollectionName(name));
  }

  private assertReadModel(name: string): void {
    assertCollectionName(name);
    if (isInternalCollection(name)) throw new RangeError(`"${name}" is reserved for the MongoDB adapter's own records`);
  }

  private async inTransaction(work: (session: ClientSession) => Promise<void>): Promise<void> {
    const session = this.options.client.startSession();
    try {
      await session.withTransaction(() => work(session), TRANSACTION_OPTIONS);
    } finally {
      await session.endSession();
    }
  }

  private async apply(steps: readonly WriteStep[], session: ClientSession | undefined): Promise<void> {
    for (const step of steps) {
      if (step.kind === 'bulk') await this.applyBulk(step, session);
      else await this.applyUpdateWhere(step, session);
    }
  }

  private async applyBulk(step: BulkStep, session: ClientSession | undefined): Promise<void> {
    for (const [name, ops] of step.byCollection) {
      const collection = this.collection(name);
      // In a transaction an E11000 aborts the whole transaction (SERVER-34059), so puts the guard would refuse are dropped first.
      const pending = session ? await this.withoutApplied(collection, ops, session) : ops;
      if (pending.length === 0) continue;
      try {
        await collection.bulkWrite(
          pending.map((op) => op.model),
          { ordered: false, session },
        );
      } catch (error) {
        if (session || !onlyAlreadyApplied(error, pending)) throw error;
        this.options.logger.debug({ collection: name, skipped: writeErrorsOf(error as MongoBulkWriteError).length }, 'puts already applied');
      }
    }
  }

  /** The ops whose guard passes against the stored positions, read in the transaction's snapshot. */
  private async withoutApplied(collection: Collection<ReadModelRecord>, ops: readonly BulkOp[], session: ClientSession): Promise<BulkOp[]> {
    const ids = ops.flatMap((op) => (op.put ? [op.put.id] : []));
    if (ids.length === 0) return [...ops];
    const stored = await collection.find({ _id: { $in: ids } }, { projection: { pos: 1, rev: 1 }, session }).toArray();
    const byId = new Map(stored.map((record) => [record._id, record]));
    return ops.filter((op) => op.put === null || putGuardPasses(byId.get(op.put.id) ?? null, op.put.key, op.put.revision));
  }

  private async applyUpdateWhere(step: UpdateWhereStep, session: ClientSession | undefined): Promise<void> {
    const collection = this.collection(step.collection);
    for (const { filter, update, arrayFilters } of step.updates) {
      await collection.updateMany(filter, update, arrayFilters ? { arrayFilters, session } : { session });
    }
    if (!step.reindex) return;
    // Every document stamped with this position gets its words recomputed: a replay after a crash in between repairs them too.
    let batch: AnyBulkWriteOperation<ReadModelRecord>[] = [];
    const flush = async () => {
      if (batch.length > 0) await collection.bulkWrite(batch, { ordered: false, session });
      batch = [];
    };
    for await (const record of collection.find({ pos: step.key }, { projection: { data: 1 }, session })) {
      batch.push(reindexOp(record, step.key, step.reindex));
      if (batch.length >= REINDEX_CHUNK) await flush();
    }
    await flush();
  }

  private async saveCheckpoint(record: CheckpointRecord, session: ClientSession | undefined): Promise<void> {
    const { _id, position, pos } = record;
    await this.db.collection<CheckpointRecord>(internalCollections.checkpoints).updateOne({ _id }, { $set: { position, pos } }, { upsert: true, session });
  }

  private async moveCheckpoint(from: string, to: string): Promise<void> {
    const move = async (session: ClientSession | undefined) => {
      const checkpoints = this.db.collection<CheckpointRecord>(internalCollections.checkpoints);
      const source = await checkpoints.findOne({ _id: from }, { session });
      if (source) await checkpoints.updateOne({ _id: to }, { $set: { position: source.position, pos: source.pos } }, { upsert: true, session });
      else await checkpoints.deleteOne({ _id: to }, { session });
      await checkpoints.deleteOne({ _id: from }, { session });
    };
    if (this.options.transactions) await this.inTransaction(move);
    else await move(undefined);
  }
}

const collectionsOf = (step: WriteStep): string[] => (step.kind === 'bulk' ? [...step.byCollection.keys()] : [step.collection]);
