/** No message arrived for longer than the watchdog allows: the subscription may be silently dead. */
export class SubscriptionIdle extends Error {
  constructor(readonly idleMs: number) {
    super(`no message for ${idleMs} ms`);
    this.name = 'SubscriptionIdle';
  }
}

const TIMEOUT = Symbol('timeout');
const IMMEDIATE = Symbol('immediate');

const timeout = (ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
};

// Resolves after the current macrotask: anything the source already buffered resolves before it.
const immediate = () => new Promise<typeof IMMEDIATE>((resolve) => setImmediate(() => resolve(IMMEDIATE)));

/**
 * Groups what a subscription has already buffered into batches of at most `maxSize`, without
 * waiting for more; a batch ends early after a message `endsBatch` says is a boundary. Waiting for
 * the first message of a batch is bounded by `idleMs` (the watchdog): then SubscriptionIdle is thrown.
 */
export async function* batched<T>(
  source: AsyncIterable<T>,
  options: { readonly maxSize: number; readonly idleMs: number; readonly endsBatch?: (message: T) => boolean },
): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  const next = () => (pending ??= iterator.next());
  for (;;) {
    const watchdog = timeout(options.idleMs);
    let first: IteratorResult<T> | typeof TIMEOUT;
    try {
      first = await Promise.race([next(), watchdog.promise]);
    } finally {
      watchdog.cancel();
    }
    if (first === TIMEOUT) throw new SubscriptionIdle(options.idleMs);
    pending = null;
    if (first.done) return;
    const batch = [first.value];
    let done = false;
    // One tick per batch: what resolves before it (in microtasks) was already buffered; then the batch ends.
    const tick = immediate();
    while (batch.length < options.maxSize && !options.endsBatch?.(batch.at(-1) as T)) {
      const result = await Promise.race([next(), tick]);
      if (result === IMMEDIATE) break;
      pending = null;
      if (result.done) {
        done = true;
        break;
      }
      batch.push(result.value);
    }
    yield batch;
    if (done) return;
  }
}
