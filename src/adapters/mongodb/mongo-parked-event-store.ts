import type { Db } from 'mongodb';
import type { ParkedEvent, ParkedEventStore } from '../../application/ports';
import { internalCollections } from './mongo-collections';
import { storableJson } from './mongo-documents';
import { mongoCall } from './mongo-errors';

type ParkedRecord = Omit<ParkedEvent, 'id'> & { _id: string };

const toParked = ({ _id, ...rest }: ParkedRecord): ParkedEvent => ({ id: _id, ...rest });

/** Parked events, oldest first by parkedAt (ISO-8601 UTC strings sort chronologically), then id. */
export class MongoParkedEventStore implements ParkedEventStore {
  constructor(private readonly db: Db) {}

  /** Insert-if-absent: parking an id again keeps the first record. */
  async park(event: ParkedEvent): Promise<void> {
    const { id, ...rest } = storableJson(event, `Parked event ${event.id}`);
    // An equality filter on _id alone: the server retries the upsert that loses an insert race.
    await mongoCall(() => this.parked().updateOne({ _id: id }, { $setOnInsert: rest }, { upsert: true }));
  }

  async list(options: { readonly projection?: string; readonly limit: number }): Promise<ParkedEvent[]> {
    const { projection, limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const filter = projection === undefined ? {} : { projection };
    const records = await mongoCall(() => this.parked().find(filter, { sort: { parkedAt: 1, _id: 1 }, limit }).toArray());
    return records.map(toParked);
  }

  async get(id: string): Promise<ParkedEvent | null> {
    const record = await mongoCall(() => this.parked().findOne({ _id: id }));
    return record ? toParked(record) : null;
  }

  async remove(id: string): Promise<void> {
    await mongoCall(() => this.parked().deleteOne({ _id: id }));
  }

  async count(projection?: string): Promise<number> {
    return mongoCall(() => this.parked().countDocuments(projection === undefined ? {} : { projection }));
  }

  private parked() {
    return this.db.collection<ParkedRecord>(internalCollections.parked);
  }
}
