import type { Logger } from '../../application/ports';
import type { EventStoreDbConnection, OpenStream } from './connection';
import { STORE_NAME } from './errors';
import { StopSignal } from './stop-signal';
import { withTimeout } from './timeout';

/** A subscription stream of the client: unsubscribe() cancels the gRPC call, destroy() frees the stream. */
export interface ServerStream {
  unsubscribe(): Promise<void>;
  destroy(): void;
}

/**
 * How a subscription call to the server ends, for the catch-up subscription and the persistent consumer
 * alike: close() or the first error stops the iteration (StopSignal), and the call is released once —
 * unsubscribed within the connection's time limit (breaking out of the iteration does not cancel the
 * gRPC call), then destroyed.
 */
export abstract class ServerSubscription<S extends ServerStream> implements OpenStream {
  protected readonly stop = new StopSignal();
  /** Null when the client refused to open the call (the stop then holds the error). */
  protected source: S | null = null;
  /** Stops the connection from tracking this stream. */
  protected forget: () => void = () => {};
  private released = false;

  protected constructor(
    protected readonly connection: EventStoreDbConnection,
    protected readonly logger: Logger,
    /** What the call subscribes to, for messages: "$all", or the group's name. */
    private readonly target: string,
  ) {}

  /** Ends a pending iteration and every later one, then cancels the server-side subscription. */
  async close(): Promise<void> {
    this.stop.stop(null);
    await this.release();
  }

  interrupt(error: Error | null): void {
    this.stop.stop(error);
    void this.release();
  }

  /** Finishes the iteration as the stop says: plainly after close(), with the error after a failure. */
  protected end(): void {
    const error = this.stop.state?.error;
    if (error) throw error;
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.forget();
    const source = this.source;
    if (!source) return;
    try {
      await withTimeout(source.unsubscribe(), this.connection.timeoutMs, `unsubscribe from ${this.target}`);
    } catch (error) {
      this.logger.debug({ store: STORE_NAME, subscription: this.target, err: error }, 'unsubscribe failed');
    } finally {
      source.destroy();
    }
  }
}
