/** A call to EventStoreDB did not settle within our own time limit. */
export class OperationTimedOut extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} got no answer within ${timeoutMs} ms`);
    this.name = 'OperationTimedOut';
  }
}

/**
 * `promise`, or an OperationTimedOut rejection after `ms`; on timeout `onTimeout` runs (to cancel or
 * dispose what hangs). The client can wait forever on a server that accepts TCP but never answers
 * (batch appends and streams run with an infinite gRPC deadline), so every call goes through here.
 */
export const withTimeout = <T>(promise: Promise<T>, ms: number, operation: string, onTimeout: () => void = () => {}): Promise<T> => {
  // A late rejection of an abandoned call must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        onTimeout();
      } finally {
        reject(new OperationTimedOut(operation, ms));
      }
    }, ms);
  });
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
};
