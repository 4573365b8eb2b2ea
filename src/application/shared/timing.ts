export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Capped exponential backoff with full jitter: attempt 1 → up to base, attempt n → up to min(cap, base·2^(n-1)). */
export const backoffDelay = (attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number =>
  Math.round(Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)) * (0.5 + random() / 2));

/** Waits for `ms` or until `signal` fires, whichever comes first. */
export const sleepUnless = (ms: number, signal: Promise<unknown>): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void signal.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
