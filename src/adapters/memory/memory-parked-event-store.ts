import type { ParkedEvent, ParkedEventStore } from '../../application/ports';
import { jsonCopy } from './memory-documents';

/** Oldest first: by parkedAt (ISO-8601 UTC strings sort chronologically), then by id. */
const oldestFirst = (a: ParkedEvent, b: ParkedEvent): number =>
  a.parkedAt < b.parkedAt ? -1 : a.parkedAt > b.parkedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Parked events in memory; parking an id again keeps the first record (insert-if-absent). */
export class MemoryParkedEventStore implements ParkedEventStore {
  private readonly parked = new Map<string, ParkedEvent>();

  async park(event: ParkedEvent): Promise<void> {
    if (!this.parked.has(event.id)) this.parked.set(event.id, jsonCopy(event));
  }

  /** Oldest first, at most `limit`, optionally of one projection. */
  async list(options: { readonly projection?: string; readonly limit: number }): Promise<ParkedEvent[]> {
    const { projection, limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    return [...this.parked.values()]
      .filter((event) => projection === undefined || event.projection === projection)
      .sort(oldestFirst)
      .slice(0, limit)
      .map((event) => jsonCopy(event));
  }

  async get(id: string): Promise<ParkedEvent | null> {
    const event = this.parked.get(id);
    return event ? jsonCopy(event) : null;
  }

  async remove(id: string): Promise<void> {
    this.parked.delete(id);
  }

  async count(projection?: string): Promise<number> {
    if (projection === undefined) return this.parked.size;
    let count = 0;
    for (const event of this.parked.values()) if (event.projection === projection) count++;
    return count;
  }
}
