/** A command response remembered under a client's Idempotency-Key. */
export interface IdempotencyRecord {
  /** Scoped by the caller (e.g. "<actor>:<Idempotency-Key>"). */
  readonly key: string;
  /** Hash of what the request asked for (method, path, body): the same key with another request is refused. */
  readonly requestHash: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly createdAt: string;
}

/** Shared by all API replicas, so a retry that reaches another replica is still recognised. */
export interface IdempotencyStore {
  get(key: string): Promise<IdempotencyRecord | null>;
  /** Stores the record unless the key is taken; returns whichever record is stored (first writer wins). */
  putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord>;
}
