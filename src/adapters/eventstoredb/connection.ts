import { StoreUnavailable, type Logger } from '../../application/ports';
import type { EventStoreDbClient } from './client';
import { STORE_NAME, toStoreError } from './errors';
import { withTimeout } from './timeout';

/** A long-lived stream (subscription) opened on one client; the connection ends it when that client is replaced or closed. */
export interface OpenStream {
  /** Ends the stream's iteration with `error` (null: plainly, as on close). */
  interrupt(error: Error | null): void;
}

/**
 * The client in use, with our own time limit on every call. A call that gets no answer in time fails
 * with StoreUnavailable and the client is replaced (the stuck one is disposed): the client multiplexes
 * appends over one shared batch-append stream with an infinite gRPC deadline, so a server that stopped
 * answering would keep every later append waiting too. Streams opened on a replaced client are ended
 * with StoreUnavailable so their consumers resubscribe on the new one.
 */
export class EventStoreDbConnection {
  private current: EventStoreDbClient;
  private readonly streams = new Map<OpenStream, EventStoreDbClient>();
  private closed = false;

  constructor(
    private readonly connect: () => EventStoreDbClient,
    readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    if (!(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
    this.current = connect();
  }

  get client(): EventStoreDbClient {
    if (this.closed) throw new StoreUnavailable(STORE_NAME, 'the connection is closed');
    return this.current;
  }

  /**
   * Runs `run` on the current client within timeoutMs. Connection failures and timeouts become
   * StoreUnavailable; other errors pass through unchanged. `onTimeout` cancels what can be cancelled.
   */
  async call<T>(operation: string, run: (client: EventStoreDbClient) => Promise<T>, onTimeout: () => void = () => {}): Promise<T> {
    const client = this.client;
    try {
      const running = (async () => run(client))();
      return await withTimeout(running, this.timeoutMs, operation, () => {
        onTimeout();
        this.replace(client, `${operation} got no answer within ${this.timeoutMs} ms`);
      });
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /** Registers a stream opened on `client`; returns the function that forgets it. */
  track(stream: OpenStream, client: EventStoreDbClient): () => void {
    if (this.closed || client !== this.current) {
      stream.interrupt(new StoreUnavailable(STORE_NAME, 'the connection was replaced or closed'));
      return () => {};
    }
    this.streams.set(stream, client);
    return () => this.streams.delete(stream);
  }

  /** Swaps a stuck client for a fresh one, once (later reports about the same client are ignored). */
  replace(stuck: EventStoreDbClient, reason: string): void {
    if (this.closed || stuck !== this.current) return;
    this.logger.warn({ store: STORE_NAME, reason }, 'replacing the EventStoreDB client');
    this.current = this.connect();
    this.endStreamsOf(stuck, new StoreUnavailable(STORE_NAME, `connection replaced: ${reason}`));
    void this.dispose(stuck);
  }

  /** Ends every open stream and disposes the client; later calls fail with StoreUnavailable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endStreamsOf(this.current, null);
    await this.dispose(this.current);
  }

  private endStreamsOf(client: EventStoreDbClient, error: Error | null): void {
    for (const [stream, owner] of [...this.streams]) {
      if (owner !== client) continue;
      this.streams.delete(stream);
      stream.interrupt(error);
    }
  }

  // dispose() waits for every stream of the client to finish: bounded too, it must not hold shutdown.
  private async dispose(client: EventStoreDbClient): Promise<void> {
    try {
      await withTimeout(client.dispose(), this.timeoutMs, 'dispose');
    } catch (error) {
      this.logger.warn({ store: STORE_NAME, err: error }, 'EventStoreDB client did not dispose cleanly');
    }
  }
}
