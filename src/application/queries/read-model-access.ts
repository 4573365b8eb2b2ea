import { ValidationFailed, type FindQuery, type ReadModelStore, type Scalar } from '../ports';
import type { ProjectionProgress } from '../projections/projection-progress';
import type { Consistency, Page } from './query.types';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const pageSize = (limit: number | undefined): number => {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationFailed('query', [{ path: '/limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  return limit;
};

// Cursors are the sort values of the last item, base64url-encoded: opaque to clients, stable for keyset paging.
const toBase64Url = (text: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromBase64Url = (encoded: string): string =>
  new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(encoded.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));

export const encodeCursor = (values: readonly Scalar[]): string => toBase64Url(JSON.stringify(values));

export const decodeCursor = (cursor: string | undefined, fields: number): Scalar[] | undefined => {
  if (cursor === undefined) return undefined;
  const invalid = () => new ValidationFailed('query', [{ path: '/cursor', message: 'is not a cursor this service issued' }]);
  let values: unknown;
  try {
    values = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw invalid();
  }
  const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  if (!Array.isArray(values) || values.length !== fields || !values.every(scalar)) throw invalid();
  return values as Scalar[];
};

/** What every read-model query handler needs: the store, and waiting for a position (read-your-writes). */
export class ReadModelAccess {
  constructor(
    readonly store: ReadModelStore,
    private readonly progress: ProjectionProgress,
    private readonly consistencyTimeoutMs: number,
  ) {}

  async consistent(projection: string, consistency: Consistency): Promise<void> {
    if (consistency.minPosition !== undefined) await this.progress.waitFor(projection, consistency.minPosition, this.consistencyTimeoutMs);
  }

  async byId<D>(projection: string, collection: string, id: string, consistency: Consistency): Promise<D | null> {
    await this.consistent(projection, consistency);
    return (await this.store.get<D>(collection, id))?.data ?? null;
  }

  async page<D>(collection: string, query: Omit<FindQuery, 'after' | 'limit'>, limit: number | undefined, cursor: string | undefined): Promise<Page<D>> {
    const size = pageSize(limit);
    const fields = query.orderBy.fields;
    const after = decodeCursor(cursor, fields.length);
    // One extra document tells whether another page exists.
    const found = await this.store.find<D>(collection, { ...query, ...(after ? { after } : {}), limit: size + 1 });
    const items = found.slice(0, size);
    const last = items.at(-1);
    const nextCursor =
      found.length > size && last
        ? encodeCursor(fields.map((f) => (f === 'id' ? last.id : ((last.data as Record<string, Scalar>)[f] ?? null))))
        : null;
    return { items: items.map((d) => d.data), nextCursor };
  }
}
