import { fold, orderDecider, type OrderEvent } from '../../domain';
import { ValidationFailed, type EventStore } from '../ports';
import { streams } from '../streams';
import type { QueryHandler, QueryParams, QueryResults } from './query.types';

/** The events of an order as stored (upcast to the latest schema), with their metadata. */
export class GetOrderHistoryHandler implements QueryHandler<'GetOrderHistory'> {
  readonly type = 'GetOrderHistory';
  constructor(private readonly eventStore: EventStore) {}
  async handle({ orderId }: QueryParams['GetOrderHistory']): Promise<QueryResults['GetOrderHistory']> {
    const events = await this.eventStore.readStream(streams.order(orderId));
    if (events.length === 0) return null;
    return events.map((e) => ({
      eventId: e.eventId,
      revision: e.revision,
      position: e.position,
      type: e.type,
      schemaVersion: e.storedSchemaVersion,
      data: e.data,
      metadata: e.metadata,
      occurredAt: e.metadata.occurredAt,
    }));
  }
}

/** Temporal query: the order folded up to a revision, or up to the last event at or before a time. */
export class GetOrderStateHandler implements QueryHandler<'GetOrderState'> {
  readonly type = 'GetOrderState';
  constructor(private readonly eventStore: EventStore) {}
  async handle({ orderId, revision, at }: QueryParams['GetOrderState']): Promise<QueryResults['GetOrderState']> {
    if ((revision === undefined) === (at === undefined)) {
      throw new ValidationFailed('query', [{ path: '', message: 'give exactly one of revision or at' }]);
    }
    if (revision !== undefined && !(Number.isSafeInteger(revision) && revision >= 0)) {
      throw new ValidationFailed('query', [{ path: '/revision', message: 'must be an integer >= 0' }]);
    }
    const cutoff = at === undefined ? null : Date.parse(at);
    if (cutoff !== null && Number.isNaN(cutoff)) throw new ValidationFailed('query', [{ path: '/at', message: 'must be an ISO-8601 date-time' }]);
    const events = await this.eventStore.readStream(streams.order(orderId), revision === undefined ? {} : { maxCount: revision + 1 });
    // A prefix of the stream: with clocks that disagree (several writers), skipping an event in the middle would fold an impossible state.
    const after = cutoff === null ? -1 : events.findIndex((e) => Date.parse(e.metadata.occurredAt) > cutoff);
    const included = after < 0 ? events : events.slice(0, after);
    // A revision the stream has not reached, or a time before the order existed, has no state.
    if (included.length === 0 || (revision !== undefined && (included.at(-1) as { revision: number }).revision < revision)) return null;
    const state = fold(orderDecider, orderDecider.initialState, included as unknown as readonly OrderEvent[]);
    return { revision: (included.at(-1) as { revision: number }).revision, state };
  }
}
