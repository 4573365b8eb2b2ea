import {
  excludeSystemEvents,
  START,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Filter,
  type Position as EsdbPosition,
} from '@eventstore/db-client';
import { loopIterator, type Logger, type SubscribeToAllOptions, type Subscription, type SubscriptionMessage } from '../../application/ports';
import type { EventCodec, StreamOriginReader } from '../codec';
import type { EventStoreDbConnection } from './connection';
import { toStoreError } from './errors';
import { toEsdbPosition, toPosition } from './positions';
import { isServiceEvent, toStoredEvent } from './recorded-events';
import { ServerSubscription } from './server-subscription';

export interface CatchUpDependencies {
  readonly connection: EventStoreDbConnection;
  readonly codec: EventCodec;
  readonly readOrigin: StreamOriginReader;
  readonly logger: Logger;
}

/**
 * Checkpoint interval multiplier of the server-side filter: a checkpoint after every 1 × 32 events the
 * filter considered (the server's window, ReadBatchSize 32), as the memory adapter does.
 */
export const CHECKPOINT_INTERVAL = 1;

const MARKER = Symbol('eventstoredb.subscription-marker');

/** A checkpoint or caught-up signal, placed in the subscription's own buffer among the events. */
interface Marker {
  readonly [MARKER]: true;
  readonly message: Extract<SubscriptionMessage, { kind: 'checkpoint' | 'caught-up' }>;
}

const marker = (message: Marker['message']): Marker => ({ [MARKER]: true, message });

/** The server's "end of log" sentinel, (2^64 - 1, 2^64 - 1): never a position an event can have. */
const END_OF_LOG = (1n << 64n) - 1n;

/**
 * Servers before 24.10.5 send a checkpoint at the sentinel when a subscription from the start reaches
 * live without a checkpoint of its own (KurrentDB KDB-710). Stored, it would claim every future event
 * as already applied, so it is dropped; the next real checkpoint or event carries the progress.
 */
const isEndOfLog = (position: EsdbPosition): boolean => position.commit >= END_OF_LOG || position.prepare >= END_OF_LOG;
const isMarker = (item: unknown): item is Marker => typeof item === 'object' && item !== null && MARKER in item;

/**
 * A catch-up subscription to $all over the client's subscribeToAll, shaped as the port's Subscription:
 * one ordered sequence of events, checkpoints and caught-up, pulled with `for await`.
 *
 * Ordering: the client reports checkpoints through the filter's awaited `checkpointReached` callback and
 * caught-up through a 'caughtUp' event, both from inside its Transform's `_transform` for that server
 * message — while up to a buffer-full (objectMode highWaterMark 16) of earlier events may still be
 * unread. Both are therefore pushed as markers into that same Readable buffer, behind the events the
 * client received before them: the buffer is the single ordered queue, and its backpressure covers
 * the markers too (the Transform waits while the buffer is full). So a checkpoint is yielded only after
 * every event received before it, and a runner that stores it after handling its batch stores a
 * position whose events are all applied.
 */
export class EventStoreDbCatchUpSubscription extends ServerSubscription<AllStreamSubscription> implements Subscription {
  private readonly messages: AsyncGenerator<SubscriptionMessage, void, undefined>;

  constructor(
    private readonly deps: CatchUpDependencies,
    options: SubscribeToAllOptions,
  ) {
    super(deps.connection, deps.logger, '$all');
    try {
      const client = deps.connection.client;
      const source = client.subscribeToAll({
        fromPosition: options.from === null ? START : toEsdbPosition(options.from),
        resolveLinkTos: false,
        filter: filterFor(options.streamPrefixes),
      });
      this.source = source;
      source.on('caughtUp', () => source.push(marker({ kind: 'caught-up' })));
      // Errors are emitted before or between our reads; the Readable's iterator could miss the early ones.
      source.on('error', (error: Error) => this.stop.stop(toStoreError(error, 'subscription to $all') as Error));
      this.forget = deps.connection.track(this, client);
    } catch (error) {
      this.stop.stop(toStoreError(error, 'subscribe to $all') as Error);
    }
    this.messages = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return loopIterator(this.messages);
  }

  private async *run(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    if (!this.source) return this.end();
    const items = (this.source as AsyncIterable<AllStreamResolvedEvent | Marker>)[Symbol.asyncIterator]();
    for (;;) {
      let next;
      try {
        next = await this.stop.race(items);
      } catch (error) {
        throw toStoreError(error, 'subscription to $all');
      }
      if (next.kind === 'stopped') return this.end();
      if (next.result.done) {
        // The server completed the call without an error: nothing more will come on it.
        this.stop.stop(null);
        return;
      }
      const item = next.result.value;
      if (isMarker(item)) {
        yield item.message;
        continue;
      }
      const event = item.event;
      // Links and system events only reach us without a prefix filter (excludeSystemEvents filters on type).
      if (!event || !isServiceEvent(event)) continue;
      const outcome = await this.deps.codec.decodeOrReport(toStoredEvent(event), this.deps.readOrigin);
      if (this.stop.state) return this.end();
      yield outcome;
    }
  }

}

/**
 * The server-side filter: stream-name prefixes (system streams start with "$", so none of the service's
 * prefixes lets them through); without prefixes, every non-system event type. Either way the server
 * sends checkpoints (an unfiltered subscription sends none).
 */
const filterFor = (prefixes: readonly string[]): Filter => {
  const checkpointReached = (subscription: AllStreamSubscription, position: EsdbPosition): void => {
    if (isEndOfLog(position)) return;
    subscription.push(marker({ kind: 'checkpoint', position: toPosition(position) }));
  };
  return prefixes.length > 0
    ? streamNameFilter({ prefixes: [...prefixes], checkpointInterval: CHECKPOINT_INTERVAL, checkpointReached })
    : excludeSystemEvents({ checkpointInterval: CHECKPOINT_INTERVAL, checkpointReached });
};
