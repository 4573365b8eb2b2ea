// A hand-written double of the few mongodb driver methods the adapter calls, with the driver's own
// parameter and result types: it records every call (in order, with the session it ran in) and
// answers with canned results, or with whatever a test programs — a real MongoBulkWriteError included.
import {
  MongoBulkWriteError,
  MongoServerError,
  type AggregateOptions,
  type AggregationCursor,
  type AnyBulkWriteOperation,
  type BulkWriteOptions,
  type BulkWriteResult,
  type ClientSession,
  type Collection,
  type CountDocumentsOptions,
  type CreateIndexesOptions,
  type Db,
  type DeleteOptions,
  type DeleteResult,
  type Document,
  type FindCursor,
  type FindOneAndUpdateOptions,
  type FindOptions,
  type Filter,
  type IndexDescription,
  type InsertOneOptions,
  type InsertOneResult,
  type MongoClient,
  type OptionalUnlessRequiredId,
  type RenameOptions,
  type TransactionOptions,
  type UpdateFilter,
  type UpdateOptions,
  type UpdateResult,
  type WithId,
  type WriteError,
} from 'mongodb';

// mongodb.d.ts exports BulkWriteResult and WriteError as types only; the classes the driver builds live in lib/bulk/common.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const driverBulk = require('mongodb/lib/bulk/common') as { BulkWriteResult: typeof BulkWriteResult; WriteError: typeof WriteError };

export type Method =
  | 'bulkWrite'
  | 'updateOne'
  | 'updateMany'
  | 'deleteOne'
  | 'insertOne'
  | 'find'
  | 'findOne'
  | 'findOneAndUpdate'
  | 'aggregate'
  | 'countDocuments'
  | 'createIndexes'
  | 'command'
  | 'dropCollection'
  | 'renameCollection'
  | 'createCollection'
  | 'withTransaction'
  | 'endSession';

export interface Call {
  /** A collection name, "db", or "session". */
  readonly target: string;
  readonly method: Method;
  readonly args: readonly unknown[];
  /** The session the operation ran in (its `session` option), if any. */
  readonly session: FakeSession | undefined;
  /** True while inside withTransaction's callback. */
  readonly inTransaction: boolean;
}

type Handler = (...args: never[]) => unknown;

/** A raw bulk result as the driver builds it, turned into the driver's BulkWriteResult (its constructor is internal). */
export const bulkResult = (writeErrors: WriteError[] = [], writeConcernErrors: unknown[] = []): BulkWriteResult =>
  Reflect.construct(driverBulk.BulkWriteResult, [
    { ok: 1, writeErrors, writeConcernErrors, insertedIds: [], nInserted: 0, nUpserted: 0, nMatched: 0, nModified: 0, nRemoved: 0, upserted: [] },
    false,
  ]) as BulkWriteResult;

/** The error an unordered bulkWrite throws when some operations failed: `failures` are [operation index, server code]. */
export const bulkWriteError = (failures: readonly (readonly [number, number])[], writeConcernErrors: unknown[] = []): MongoBulkWriteError => {
  const writeErrors = failures.map(([index, code]) => new driverBulk.WriteError({ index, code, errmsg: code === 11000 ? 'E11000 duplicate key error' : `error ${code}`, errInfo: {}, op: {} }));
  return new MongoBulkWriteError({ message: writeErrors[0]?.errmsg ?? 'write concern error', code: failures[0]?.[1] ?? 64, writeErrors }, bulkResult(writeErrors, writeConcernErrors));
};

export const serverError = (code: number, message = `server error ${code}`): MongoServerError => new MongoServerError({ message, code });

const cursorOf = <T>(documents: readonly T[]) => ({
  toArray: async () => documents.map((document) => structuredClone(document)),
  async *[Symbol.asyncIterator]() {
    for (const document of documents) yield structuredClone(document);
  },
});

export class FakeSession {
  inTransaction = false;
  /** How many times withTransaction runs its callback (a retry after a transient error runs it again). */
  attempts = 1;

  constructor(private readonly double: DriverDouble) {}

  async withTransaction<T>(fn: (session: ClientSession) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.double.record('session', 'withTransaction', [options], undefined);
    let result: T | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      this.inTransaction = true;
      try {
        result = await fn(this as unknown as ClientSession);
      } finally {
        this.inTransaction = false;
      }
    }
    return result as T;
  }

  async endSession(): Promise<void> {
    this.double.record('session', 'endSession', [], undefined);
  }
}

const sessionOf = (options: unknown): FakeSession | undefined => {
  const session = (options as { session?: unknown } | undefined)?.session;
  return session instanceof FakeSession ? session : undefined;
};

export class FakeCollection
  implements Pick<Collection<Document>, 'bulkWrite' | 'updateOne' | 'updateMany' | 'deleteOne' | 'insertOne' | 'find' | 'findOne' | 'countDocuments' | 'createIndexes'>
{
  constructor(
    readonly name: string,
    private readonly double: DriverDouble,
  ) {}

  bulkWrite(operations: ReadonlyArray<AnyBulkWriteOperation<Document>>, options?: BulkWriteOptions): Promise<BulkWriteResult> {
    return this.double.run(this.name, 'bulkWrite', [operations, options], sessionOf(options), async () => bulkResult());
  }

  updateOne(filter: Filter<Document>, update: UpdateFilter<Document> | Document[], options?: UpdateOptions): Promise<UpdateResult<Document>> {
    return this.double.run(this.name, 'updateOne', [filter, update, options], sessionOf(options), async () => updateResult());
  }

  updateMany(filter: Filter<Document>, update: UpdateFilter<Document> | Document[], options?: UpdateOptions): Promise<UpdateResult<Document>> {
    return this.double.run(this.name, 'updateMany', [filter, update, options], sessionOf(options), async () => updateResult());
  }

  deleteOne(filter?: Filter<Document>, options?: DeleteOptions): Promise<DeleteResult> {
    return this.double.run(this.name, 'deleteOne', [filter, options], sessionOf(options), async () => ({ acknowledged: true, deletedCount: 0 }));
  }

  insertOne(document: OptionalUnlessRequiredId<Document>, options?: InsertOneOptions): Promise<InsertOneResult<Document>> {
    return this.double.run(this.name, 'insertOne', [document, options], sessionOf(options), async () => ({ acknowledged: true, insertedId: document._id as InsertOneResult<Document>['insertedId'] }));
  }

  find(filter: Filter<Document> = {}, options?: FindOptions): FindCursor<WithId<Document>> {
    const documents = this.double.answer(this.name, 'find', [filter, options], sessionOf(options), () => [] as Document[]) as Document[];
    return cursorOf(documents) as unknown as FindCursor<WithId<Document>>;
  }

  findOne(filter: Filter<Document> = {}, options?: FindOptions): Promise<WithId<Document> | null> {
    return this.double.run(this.name, 'findOne', [filter, options], sessionOf(options), async () => null);
  }

  findOneAndUpdate(filter: Filter<Document>, update: UpdateFilter<Document> | Document[], options?: FindOneAndUpdateOptions): Promise<WithId<Document> | null> {
    return this.double.run(this.name, 'findOneAndUpdate', [filter, update, options], sessionOf(options), async () => null);
  }

  aggregate<T extends Document = Document>(pipeline?: Document[], options?: AggregateOptions): AggregationCursor<T> {
    const documents = this.double.answer(this.name, 'aggregate', [pipeline, options], sessionOf(options), () => [] as Document[]) as Document[];
    return cursorOf(documents) as unknown as AggregationCursor<T>;
  }

  countDocuments(filter?: Filter<Document>, options?: CountDocumentsOptions): Promise<number> {
    return this.double.run(this.name, 'countDocuments', [filter, options], sessionOf(options), async () => 0);
  }

  createIndexes(indexSpecs: IndexDescription[], options?: CreateIndexesOptions): Promise<string[]> {
    return this.double.run(this.name, 'createIndexes', [indexSpecs, options], undefined, async () => indexSpecs.map((spec) => spec.name ?? ''));
  }
}

const updateResult = (): UpdateResult<Document> => ({ acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null });

/** The double: `db` and `client` go into the adapter; `calls` and `on` are for the test. */
export class DriverDouble {
  readonly calls: Call[] = [];
  readonly sessions: FakeSession[] = [];
  private readonly collections = new Map<string, FakeCollection>();
  private readonly handlers = new Map<string, Handler[]>();

  readonly db: Db = {
    collection: (name: string) => this.collection(name),
    command: (command: Document) => this.run('db', 'command', [command], undefined, async () => ({ ok: 1 })),
    dropCollection: (name: string) => this.run('db', 'dropCollection', [name], undefined, async () => true),
    renameCollection: (from: string, to: string, options?: RenameOptions) =>
      this.run('db', 'renameCollection', [from, to, options], undefined, async () => this.collection(to)),
    createCollection: (name: string) => this.run('db', 'createCollection', [name], undefined, async () => this.collection(name)),
  } as Partial<Db> as Db;

  readonly client: Pick<MongoClient, 'startSession'> = {
    startSession: () => {
      const session = new FakeSession(this);
      this.sessions.push(session);
      return session as unknown as ClientSession;
    },
  };

  collection(name: string): Collection<Document> {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new FakeCollection(name, this);
      this.collections.set(name, collection);
    }
    return collection as unknown as Collection<Document>;
  }

  /** Programs the next answers of `target.method` (one handler per call, the last one repeats); a handler may throw. */
  on(target: string, method: Method, ...handlers: Handler[]): this {
    this.handlers.set(`${target}.${method}`, handlers);
    return this;
  }

  /** The calls to one method (of one target, if given), in order. */
  callsTo(method: Method, target?: string): Call[] {
    return this.calls.filter((call) => call.method === method && (target === undefined || call.target === target));
  }

  record(target: string, method: Method, args: readonly unknown[], session: FakeSession | undefined): void {
    this.calls.push({ target, method, args, session, inTransaction: session?.inTransaction ?? false });
  }

  answer(target: string, method: Method, args: readonly unknown[], session: FakeSession | undefined, fallback: () => unknown): unknown {
    this.record(target, method, args, session);
    const queue = this.handlers.get(`${target}.${method}`);
    const handler = queue && (queue.length > 1 ? queue.shift() : queue[0]);
    return handler ? (handler as (...args: readonly unknown[]) => unknown)(...args) : fallback();
  }

  async run<T>(target: string, method: Method, args: readonly unknown[], session: FakeSession | undefined, fallback: () => Promise<T>): Promise<T> {
    return (await this.answer(target, method, args, session, fallback)) as T;
  }
}
