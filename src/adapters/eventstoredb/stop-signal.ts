/** How a long-lived stream was ended on our side: closed (error null) or interrupted with an error. */
export interface Stopped {
  readonly kind: 'stopped';
  readonly error: Error | null;
}

/**
 * A one-shot signal that a subscription must stop. Consumers race the client's next item against it,
 * so close() ends a pending iteration even when the client's stream never ends: cancelling a gRPC call
 * makes it emit a cancellation error that the client swallows (dist/streams/utils/Subscription.js),
 * and nothing then guarantees that the Readable ends.
 */
export class StopSignal {
  private stoppedWith: Stopped | null = null;
  private resolve!: (stopped: Stopped) => void;
  private readonly promise: Promise<Stopped> = new Promise((resolve) => (this.resolve = resolve));

  get state(): Stopped | null {
    return this.stoppedWith;
  }

  /** The first call wins: a close after an error keeps the error, an error after a close is dropped. */
  stop(error: Error | null): void {
    if (this.stoppedWith) return;
    this.stoppedWith = { kind: 'stopped', error };
    this.resolve(this.stoppedWith);
  }

  /** The next result of `iterator`, or the stop if it comes first. */
  async race<T>(iterator: AsyncIterator<T>): Promise<{ readonly kind: 'next'; readonly result: IteratorResult<T> } | Stopped> {
    if (this.stoppedWith) return this.stoppedWith;
    const next = iterator.next().then((result) => ({ kind: 'next' as const, result }));
    next.catch(() => undefined); // abandoned when the stop wins; the client's stream is destroyed then
    return Promise.race([next, this.promise]);
  }
}
