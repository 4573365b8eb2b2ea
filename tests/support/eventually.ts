// Bounded waiting for asynchronous outcomes (subscriptions, timers, other processes) without fixed sleeps.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface EventuallyOptions {
  /** Give up (rethrowing the assertion's last error) after this long. */
  readonly timeoutMs?: number;
  /** Pause between attempts. */
  readonly intervalMs?: number;
}

/** Runs `assertion` until it passes (returns its value) or the time is up (throws its last error). */
export const eventually = async <T>(assertion: () => T | Promise<T>, { timeoutMs = 5_000, intervalMs = 20 }: EventuallyOptions = {}): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(intervalMs);
  }
};

export class TimedOut extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not happen within ${ms} ms`);
    this.name = 'TimedOut';
  }
}

/** `promise`, or a TimedOut rejection after `ms` (the timer is cleared either way). */
export const within = async <T>(promise: Promise<T>, ms: number, what = 'the operation'): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};
