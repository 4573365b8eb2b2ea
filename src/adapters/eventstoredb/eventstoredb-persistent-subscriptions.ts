import {
  excludeSystemEvents,
  FORWARDS,
  PARK,
  persistentSubscriptionToAllSettingsFromDefaults,
  PINNED,
  RETRY,
  ROUND_ROBIN,
  SKIP,
  START,
  streamNameFilter,
  type PersistentAction,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
} from '@eventstore/db-client';
import {
  NotFound,
  loopIterator,
  type Logger,
  type NackAction,
  type ParkedMessage,
  type PersistentDelivery,
  type PersistentGroupSettings,
  type PersistentSubscription,
  type PersistentSubscriptions,
} from '../../application/ports';
import type { EventCodec } from '../codec';
import type { EventStoreDbConnection } from './connection';
import { isPersistentSubscriptionExists, isPersistentSubscriptionMissing, isStreamNotFound, STORE_NAME, toStoreError } from './errors';
import type { EventStoreDbEventStore } from './eventstoredb-event-store';
import { toRevision } from './positions';
import { isServiceEvent, positionOfEvent, toStoredEvent, type EsdbEvent } from './recorded-events';
import { ServerSubscription } from './server-subscription';
import { withTimeout } from './timeout';

/**
 * Where the server parks a $all group's messages: "$persistentsubscription-" + "$all::<group>" + "-parked"
 * (KurrentDB v24.10 PersistentSubscriptionParams.ParkedMessageStream, PersistentSubscriptionService
 * BuildSubscriptionGroupKey). Each entry is a link event ("$>", data "<revision>@<stream>") whose metadata
 * is `{ added, reason, subscriptionEventNumber }` (PersistentSubscriptionMessageParker.ParkedMessageMetadata).
 */
export const parkedStreamOf = (group: string): string => `$persistentsubscription-$all::${group}-parked`;

const NACK_ACTIONS: Readonly<Record<NackAction, PersistentAction>> = { retry: RETRY, park: PARK, skip: SKIP };

/** The port's nack action as the client's (dist/constants.d.ts PARK | RETRY | SKIP). */
export const toPersistentAction = (action: NackAction): PersistentAction => {
  const mapped = NACK_ACTIONS[action];
  if (!mapped) throw new RangeError(`unknown nack action ${String(action)}`);
  return mapped;
};

const assertSettings = (group: string, settings: PersistentGroupSettings): void => {
  const problems = [
    group.length > 0 ? null : 'the group name must not be empty',
    Number.isSafeInteger(settings.maxRetryCount) && settings.maxRetryCount >= 0 ? null : 'maxRetryCount must be an integer >= 0',
    Number.isSafeInteger(settings.messageTimeoutMs) && settings.messageTimeoutMs > 0 && settings.messageTimeoutMs <= 2 ** 31 - 1
      ? null
      : 'messageTimeoutMs must be a positive integer (that fits a 32-bit signed int)',
    ['round-robin', 'pinned'].includes(settings.consumerStrategy) ? null : `unknown consumerStrategy ${String(settings.consumerStrategy)}`,
  ].filter((problem) => problem !== null);
  if (problems.length > 0) throw new RangeError(`persistent subscription group ${group}: ${problems.join('; ')}`);
};

const reasonOf = (metadata: unknown): string => {
  const reason = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)['reason'] : undefined;
  return typeof reason === 'string' ? reason : '';
};

/**
 * Persistent subscriptions to $all (server-side groups: competing consumers, ack / nack, retries,
 * parking, replay) over the client. Groups start at the beginning of $all, filtered to the service's
 * stream prefixes; the server counts retries and parks after maxRetryCount.
 */
export class EventStoreDbPersistentSubscriptions implements PersistentSubscriptions {
  constructor(
    private readonly connection: EventStoreDbConnection,
    private readonly store: EventStoreDbEventStore,
    private readonly codec: EventCodec,
    private readonly logger: Logger,
  ) {}

  async ensureGroup(group: string, settings: PersistentGroupSettings): Promise<void> {
    assertSettings(group, settings);
    // The client's defaults start at END (dist/persistentSubscription/utils/persistentSubscriptionSettings.js): set every setting we rely on.
    const groupSettings = persistentSubscriptionToAllSettingsFromDefaults({
      startFrom: START,
      resolveLinkTos: false,
      maxRetryCount: settings.maxRetryCount,
      messageTimeout: settings.messageTimeoutMs,
      consumerStrategyName: settings.consumerStrategy === 'pinned' ? PINNED : ROUND_ROBIN,
    });
    const filter = settings.streamPrefixes.length > 0 ? streamNameFilter({ prefixes: [...settings.streamPrefixes] }) : excludeSystemEvents();
    try {
      await this.connection.call(`create persistent subscription ${group}`, (client) => client.createPersistentSubscriptionToAll(group, groupSettings, { filter }));
    } catch (error) {
      // An existing group is left as it is (with its own settings): creating is how we find out it exists.
      if (isPersistentSubscriptionExists(error)) return;
      throw error;
    }
  }

  subscribe(group: string, options: { readonly bufferSize?: number } = {}): PersistentSubscription {
    const bufferSize = options.bufferSize ?? 10;
    if (!(Number.isSafeInteger(bufferSize) && bufferSize > 0)) throw new RangeError(`bufferSize must be a positive integer, got ${bufferSize}`);
    return new EventStoreDbPersistentConsumer(this.connection, this.store, this.codec, this.logger, group, bufferSize);
  }

  /** Oldest first. Parked entries are links: read with resolveLinkTos, the original event comes with each. */
  async listParked(group: string, options: { readonly maxCount: number }): Promise<ParkedMessage[]> {
    if (!(options.maxCount >= 0)) throw new RangeError(`maxCount must be a number >= 0, got ${options.maxCount}`);
    if (options.maxCount === 0) return [];
    const stream = parkedStreamOf(group);
    let entries;
    try {
      entries = await this.store.collect(`list parked messages of ${group}`, (client) =>
        client.readStream(stream, { direction: FORWARDS, fromRevision: START, maxCount: Math.ceil(options.maxCount), resolveLinkTos: true }),
      );
    } catch (error) {
      // No parked stream: nothing was ever parked (or the group does not exist, which this read cannot tell).
      if (isStreamNotFound(error)) return [];
      throw error;
    }
    const parked: ParkedMessage[] = [];
    for (const entry of entries) {
      const { event, link } = entry;
      if (!event) {
        // The parked event no longer exists (deleted or scavenged): nothing to show or replay.
        this.logger.warn({ store: STORE_NAME, group, link: link?.id }, 'parked message points to a missing event');
        continue;
      }
      const position = event.position ? positionOfEvent(event) : await this.store.positionAt(event.streamId, toRevision(event.revision));
      parked.push({
        group,
        eventId: event.id,
        streamId: event.streamId,
        revision: toRevision(event.revision),
        position,
        type: event.type,
        reason: reasonOf(link?.metadata),
      });
    }
    return parked;
  }

  async replayParked(group: string): Promise<void> {
    try {
      await this.connection.call(`replay parked messages of ${group}`, (client) => client.replayParkedMessagesToAll(group));
    } catch (error) {
      if (isPersistentSubscriptionMissing(error)) throw new NotFound('persistent subscription group', group);
      throw error;
    }
  }
}

/**
 * One consumer of a group. Deliveries are decoded events (undecodable ones are delivered as such, to be
 * parked); ack / nack take a delivery exactly as it was yielded. Leaving a for-await loop does not
 * disconnect (as with the client): close() does, and the server then retries what was not acked.
 */
export class EventStoreDbPersistentConsumer extends ServerSubscription<PersistentSubscriptionToAll> implements PersistentSubscription {
  private readonly resolvedOf = new WeakMap<PersistentDelivery, PersistentSubscriptionToAllResolvedEvent>();
  private readonly messages: AsyncGenerator<PersistentDelivery, void, undefined>;

  constructor(
    connection: EventStoreDbConnection,
    private readonly store: EventStoreDbEventStore,
    private readonly codec: EventCodec,
    logger: Logger,
    readonly group: string,
    bufferSize: number,
  ) {
    super(connection, logger, group);
    try {
      const client = connection.client;
      const source = client.subscribeToPersistentSubscriptionToAll(group, { bufferSize });
      this.source = source;
      source.on('error', (error: Error) => this.stop.stop(this.toError(error)));
      this.forget = connection.track(this, client);
    } catch (error) {
      this.stop.stop(this.toError(error));
    }
    this.messages = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<PersistentDelivery> {
    return loopIterator(this.messages);
  }

  async ack(delivery: PersistentDelivery): Promise<void> {
    const resolved = this.resolvedOf.get(delivery);
    if (!resolved || !this.source || this.stop.state) return;
    const source = this.source;
    await this.settle(`ack on ${this.group}`, () => source.ack(resolved));
  }

  async nack(delivery: PersistentDelivery, action: NackAction, reason: string): Promise<void> {
    const resolved = this.resolvedOf.get(delivery);
    const persistentAction = toPersistentAction(action);
    if (!resolved || !this.source || this.stop.state) return;
    const source = this.source;
    await this.settle(`nack (${action}) on ${this.group}`, () => source.nack(persistentAction, reason, resolved));
  }

  private async *run(): AsyncGenerator<PersistentDelivery, void, undefined> {
    if (!this.source) return this.end();
    const items = this.source[Symbol.asyncIterator]();
    for (;;) {
      let next;
      try {
        next = await this.stop.race(items);
      } catch (error) {
        throw this.toError(error);
      }
      if (next.kind === 'stopped') return this.end();
      if (next.result.done) {
        this.stop.stop(null);
        return;
      }
      const resolved = next.result.value;
      const delivery = await this.deliveryOf(resolved);
      if (this.stop.state) return this.end();
      if (!delivery) {
        // Not a service event (the group's filter lets none through; an unfiltered group might): acked and passed over.
        await this.settle(`ack on ${this.group}`, () => (this.source as PersistentSubscriptionToAll).ack(resolved));
        continue;
      }
      this.resolvedOf.set(delivery, resolved);
      yield delivery;
    }
  }

  private async deliveryOf(resolved: PersistentSubscriptionToAllResolvedEvent): Promise<PersistentDelivery | null> {
    const { event, link, retryCount } = resolved;
    // Without resolveLinkTos every delivery carries its event; replays skip links whose event is gone
    // (PersistentSubscription.HandleParkedReadCompleted). Anything else is not a service event.
    if (!event || !isServiceEvent(event)) return null;
    // A replayed parked message arrives as a resolved link and carries the link's position in the parked
    // stream (PersistentSubscriptions.Read.cs gives both records OriginalPosition): read the event's own.
    const position = link ? await this.store.positionAt(event.streamId, toRevision(event.revision)) : positionOfEvent(event as EsdbEvent);
    const outcome = await this.codec.decodeOrReport(toStoredEvent(event, position), this.store.readOrigin);
    return outcome.kind === 'event' ? { kind: 'event', event: outcome.event, retryCount } : { kind: 'undecodable', event: outcome.event, retryCount };
  }

  private async settle(operation: string, write: () => Promise<void>): Promise<void> {
    try {
      await withTimeout(write(), this.connection.timeoutMs, operation);
    } catch (error) {
      // After close() the server retries unsettled messages anyway; an ack that raced the close is moot.
      if (this.stop.state) return;
      throw toStoreError(error, operation);
    }
  }

  private toError(error: unknown): Error {
    if (isPersistentSubscriptionMissing(error)) return new NotFound('persistent subscription group', this.group);
    return toStoreError(error, `persistent subscription ${this.group}`) as Error;
  }

}
