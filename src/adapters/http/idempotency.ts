import { hash } from 'node:crypto';
import type { Clock, IdempotencyRecord, IdempotencyStore, IdGenerator } from '../../application/ports';
import { problems } from './problem-details';

/** An answer as the idempotency store keeps it: replayed byte for byte (headers, status, body). */
export interface RecordedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** Printable ASCII without spaces, like the IETF Idempotency-Key draft's examples (UUIDs, ULIDs, ...). */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON with object keys sorted at every level: the same body always hashes the same. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .filter((k) => object[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/** Answers worth remembering: successes and domain refusals. Others (409, 412, 503, 5xx) may succeed when retried. */
export const isRecordable = (status: number): boolean => (status >= 200 && status < 300) || status === 422;

/**
 * The Idempotency-Key protocol. Scope = actor + key. The command id is derived from the scope, so
 * even when the record is lost the retried command appends nothing new (its event ids already exist).
 */
export class IdempotencyGuard {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  static isValidKey(key: string): boolean {
    return KEY.test(key);
  }

  scope(actor: string, key: string): string {
    return `${actor}:${key}`;
  }

  requestHash(method: string, path: string, body: unknown): string {
    return hash('sha256', `${method.toUpperCase()} ${path}\n${canonicalJson(body ?? {})}`, 'hex');
  }

  commandId(scope: string): string {
    return this.ids.deriveId(`idempotency:${scope}`);
  }

  /** The id of a resource the request creates without naming it: the same on every retry. */
  createdId(scope: string): string {
    return this.ids.deriveId(`idempotency:${scope}:created`);
  }

  /**
   * Replays the recorded answer for the same request, refuses a different request under the same
   * key (422), or runs `execute` and records its answer; when two runs race, the first record wins.
   */
  async run(scope: string, requestHash: string, execute: () => Promise<RecordedAnswer>): Promise<{ answer: RecordedAnswer; replayed: boolean }> {
    const existing = await this.store.get(scope);
    if (existing) return { answer: this.replay(existing, requestHash), replayed: true };
    const answer = await execute();
    if (!isRecordable(answer.status)) return { answer, replayed: false };
    const record: IdempotencyRecord = { key: scope, requestHash, ...answer, createdAt: this.clock.now().toISOString() };
    const stored = await this.store.putIfAbsent(record);
    return { answer: this.replay(stored, requestHash), replayed: false };
  }

  private replay(record: IdempotencyRecord, requestHash: string): RecordedAnswer {
    if (record.requestHash !== requestHash) throw problems.idempotencyKeyReused();
    return { status: record.status, headers: record.headers, body: record.body };
  }
}
