import type { IdempotencyRecord, IdempotencyStore } from '../../application/ports';

/** Idempotency records of one process, oldest evicted first beyond `capacity`. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  async get(key: string): Promise<IdempotencyRecord | null> {
    const stored = this.records.get(key);
    return stored === undefined ? null : (JSON.parse(stored) as IdempotencyRecord);
  }

  // Check-and-set without an await in between, so concurrent puts cannot both see "absent".
  async putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const existing = this.records.get(record.key);
    if (existing !== undefined) return JSON.parse(existing) as IdempotencyRecord;
    if (this.records.size >= this.capacity) this.records.delete(this.records.keys().next().value as string);
    this.records.set(record.key, JSON.stringify(record));
    return JSON.parse(JSON.stringify(record)) as IdempotencyRecord;
  }
}
