import { batched, SubscriptionIdle } from '../../../src/application/projections/batching';

/** A source whose items arrive when the test pushes them. */
const source = <T>() => {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const iterable: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
        return queue.length > 0 ? { done: false, value: queue.shift() as T } : { done: true, value: undefined };
      },
    }),
  };
  return {
    iterable,
    push: (...items: T[]) => {
      queue.push(...items);
      wake?.();
    },
    end: () => {
      ended = true;
      wake?.();
    },
  };
};

describe('batched', () => {
  it('groups what is already there into batches of at most maxSize, without waiting for more', async () => {
    const s = source<number>();
    s.push(1, 2, 3, 4, 5);
    const batches = batched(s.iterable, { maxSize: 2, idleMs: 1_000 });
    expect((await batches.next()).value).toEqual([1, 2]);
    expect((await batches.next()).value).toEqual([3, 4]);
    expect((await batches.next()).value).toEqual([5]);
    const later = batches.next();
    s.push(6);
    expect((await later).value).toEqual([6]);
    s.end();
    expect((await batches.next()).done).toBe(true);
  });

  it('ends a batch after a boundary message', async () => {
    const s = source<string>();
    s.push('a', 'caught-up', 'b');
    const batches = batched(s.iterable, { maxSize: 10, idleMs: 1_000, endsBatch: (m) => m === 'caught-up' });
    expect((await batches.next()).value).toEqual(['a', 'caught-up']);
    expect((await batches.next()).value).toEqual(['b']);
  });

  it('throws SubscriptionIdle when the first message of a batch does not come within idleMs', async () => {
    const s = source<number>();
    const batches = batched(s.iterable, { maxSize: 10, idleMs: 20 });
    await expect(batches.next()).rejects.toBeInstanceOf(SubscriptionIdle);
  });

  it('yields the last partial batch when the source ends', async () => {
    const s = source<number>();
    s.push(1, 2);
    s.end();
    const all: number[][] = [];
    for await (const batch of batched(s.iterable, { maxSize: 5, idleMs: 1_000 })) all.push(batch);
    expect(all).toEqual([[1, 2]]);
  });
});
