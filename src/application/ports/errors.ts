/** Errors the ports raise, shared by every adapter so the application and HTTP map one type each. */

export type ExpectedRevisionDescription = 'any' | 'no_stream' | 'stream_exists' | number;

/** The stream is not at the revision the writer expected. `actualRevision` is -1 for a missing stream. */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedRevision: ExpectedRevisionDescription,
    readonly actualRevision: number | null,
  ) {
    super(`Stream ${streamId} was expected at ${String(expectedRevision)} but is at ${actualRevision ?? 'unknown'}`);
    this.name = 'ConcurrencyError';
  }
}

/** The backing store cannot be reached (or did not answer in time); the operation may be retried. */
export class StoreUnavailable extends Error {
  constructor(
    readonly store: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} is unavailable: ${message}`, options);
    this.name = 'StoreUnavailable';
  }
}

/** A read model has not reached the position a reader asked for within the allowed time. */
export class NotYetConsistent extends Error {
  constructor(
    readonly projection: string,
    readonly position: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`Read model ${projection} has not reached position ${position} yet`);
    this.name = 'NotYetConsistent';
  }
}

/** A request is well-formed but names something the ports do not know (projection, parked event, ...). */
export class NotFound extends Error {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${id} not found`);
    this.name = 'NotFound';
  }
}

/** A command or query failed validation before reaching the domain. */
export class ValidationFailed extends Error {
  constructor(
    readonly subject: string,
    readonly violations: readonly { path: string; message: string }[],
  ) {
    super(`${subject} is invalid: ${violations.map((v) => `${v.path || '/'} ${v.message}`).join('; ')}`);
    this.name = 'ValidationFailed';
  }
}
