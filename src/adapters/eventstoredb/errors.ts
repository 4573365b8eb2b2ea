import { ErrorType } from '@eventstore/db-client';
import { StoreUnavailable } from '../../application/ports';
import { OperationTimedOut } from './timeout';

export const STORE_NAME = 'EventStoreDB';

/** gRPC status codes (grpc/grpc doc/statuscodes.md) the client may leave unconverted. */
const DEADLINE_EXCEEDED = 4;
const ABORTED = 10;
const UNAVAILABLE = 14;

/** Client errors that mean "the server cannot be reached or did not answer": the call may be retried. */
const UNAVAILABLE_TYPES: ReadonlySet<string> = new Set([ErrorType.UNAVAILABLE, ErrorType.DEADLINE_EXCEEDED, ErrorType.TIMEOUT, ErrorType.NOT_LEADER]);

const fieldOf = (error: unknown, field: string): unknown =>
  typeof error === 'object' && error !== null && field in error ? (error as Record<string, unknown>)[field] : undefined;

/**
 * The client's errors carry `type` (CommandError, dist/utils/CommandError.d.ts); a raw gRPC ServiceError
 * carries only `code` — the client does not convert every failure (e.g. the server-features probe that
 * precedes appends and persistent-subscription calls rejects with the raw error), so both are checked.
 */
export const errorTypeOf = (error: unknown): string | undefined => {
  const type = fieldOf(error, 'type');
  return typeof type === 'string' ? type : undefined;
};

export const isUnavailable = (error: unknown): boolean => {
  if (error instanceof OperationTimedOut) return true;
  const type = errorTypeOf(error);
  if (type !== undefined && UNAVAILABLE_TYPES.has(type)) return true;
  const code = fieldOf(error, 'code');
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED || code === ABORTED;
};

/** StoreUnavailable (HTTP 503) for connection failures and timeouts; every other error as it is. */
export const toStoreError = (error: unknown, operation: string): unknown => {
  if (error instanceof StoreUnavailable || !isUnavailable(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailable(STORE_NAME, `${operation}: ${message}`, { cause: error });
};

export const isStreamNotFound = (error: unknown): boolean => errorTypeOf(error) === ErrorType.STREAM_NOT_FOUND;
export const isWrongExpectedVersion = (error: unknown): boolean => errorTypeOf(error) === ErrorType.WRONG_EXPECTED_VERSION;
export const isPersistentSubscriptionExists = (error: unknown): boolean => errorTypeOf(error) === ErrorType.PERSISTENT_SUBSCRIPTION_EXISTS;
export const isPersistentSubscriptionMissing = (error: unknown): boolean => errorTypeOf(error) === ErrorType.PERSISTENT_SUBSCRIPTION_DOES_NOT_EXIST;

/**
 * WrongExpectedVersionError.actualVersion (CurrentRevision = "no_stream" | bigint) as the port reports it:
 * -1 for a missing stream, null when the client did not say.
 */
export const actualRevisionOf = (error: unknown): number | null => {
  const actual = fieldOf(error, 'actualVersion');
  if (actual === 'no_stream') return -1;
  // A missing stream is "no_stream"; a negative or unsigned -1 (2^64 - 1) revision means the same.
  if (typeof actual === 'bigint') return actual < 0n || actual > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(actual);
  return null;
};
