import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type WriteError,
} from 'mongodb';
import { StoreUnavailable } from '../../application/ports';

export const DUPLICATE_KEY = 11000;
export const NAMESPACE_NOT_FOUND = 26;
export const NAMESPACE_EXISTS = 48;
export const INDEX_OPTIONS_CONFLICT = 85;
export const INDEX_KEY_SPECS_CONFLICT = 86;

// Server codes the driver itself treats as "retry elsewhere/later" (mongodb lib/error.js RETRYABLE_READ_ERROR_CODES).
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
const UNAVAILABLE_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'UnknownTransactionCommitResult', 'ResetPool', 'PoolRequestedRetry'];

export const isDuplicateKey = (error: unknown): boolean => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

export const hasCode = (error: unknown, code: number): boolean => error instanceof MongoServerError && error.code === code;

/** `MongoBulkWriteError.writeErrors` is typed OneOrMore: one error or a list. */
export const writeErrorsOf = (error: MongoBulkWriteError): readonly WriteError[] => {
  const { writeErrors } = error;
  return writeErrors instanceof Array ? writeErrors : [writeErrors as WriteError];
};

/** Network, server selection, failover and shutdown errors: the operation may succeed when retried later. */
export const isUnavailable = (error: unknown, depth = 0): boolean => {
  if (depth > 3 || !(error instanceof Error)) return false;
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoOperationTimeoutError
  ) {
    return true;
  }
  if (error instanceof MongoError) {
    if (UNAVAILABLE_LABELS.some((label) => error.hasErrorLabel(label))) return true;
    if (typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code)) return true;
  }
  // A bulkWrite that failed below the protocol wraps the driver error (mongodb lib/bulk/common.js: MongoBulkWriteError(thrownError, ...)).
  if (error instanceof MongoServerError && (error.errorResponse as unknown) instanceof Error && error.errorResponse !== error) {
    return isUnavailable(error.errorResponse, depth + 1);
  }
  return isUnavailable(error.cause, depth + 1);
};

/** Maps connectivity failures to the port's StoreUnavailable (the runner retries those forever instead of parking events). */
export const toStoreError = (error: unknown): unknown =>
  isUnavailable(error) ? new StoreUnavailable('mongodb', (error as Error).message, { cause: error }) : error;

export const mongoCall = async <T>(operation: () => Promise<T>): Promise<T> => {
  try {
    return await operation();
  } catch (error) {
    throw toStoreError(error);
  }
};
