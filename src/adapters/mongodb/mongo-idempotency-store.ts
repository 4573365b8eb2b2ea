import type { Db } from 'mongodb';
import type { IdempotencyRecord, IdempotencyStore } from '../../application/ports';
import { internalCollections } from './mongo-collections';
import { storableJson } from './mongo-documents';
import { isDuplicateKey, mongoCall } from './mongo-errors';

/** `storedAt` (a BSON date) drives the TTL index (see IDEMPOTENCY_TTL_SECONDS). */
type IdempotencyDocument = Omit<IdempotencyRecord, 'key'> & { _id: string; storedAt: Date };

const toRecord = ({ _id, requestHash, status, headers, body, createdAt }: IdempotencyDocument): IdempotencyRecord => ({
  key: _id,
  requestHash,
  status,
  headers,
  body,
  createdAt,
});

/** Shared by every API replica: the first writer of a key wins (a unique _id), the others read its record. Records expire after IDEMPOTENCY_TTL_SECONDS. */
export class MongoIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<IdempotencyRecord | null> {
    const document = await mongoCall(() => this.records().findOne({ _id: key }));
    return document ? toRecord(document) : null;
  }

  async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const { key, ...rest } = storableJson(record, `Idempotency record ${record.key}`);
    try {
      await mongoCall(() => this.records().insertOne({ _id: key, ...rest, storedAt: new Date() }));
      return { key, ...rest };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const stored = await this.get(key);
      // Only a TTL expiry between the insert and this read can leave nothing: then ours is the record.
      return stored ?? this.putIfAbsent(record);
    }
  }

  private records() {
    return this.db.collection<IdempotencyDocument>(internalCollections.idempotency);
  }
}
