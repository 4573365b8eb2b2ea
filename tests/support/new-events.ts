// Valid events to append: a domain event (from domain-fixtures) + a fresh event id + metadata.
import { randomUUID } from 'node:crypto';
import type { EventMetadata, NewEvent } from '../../src/application/ports';
import type { ServiceEvent } from '../../src/domain';
import { orderCreated, itemAdded, orderSubmitted } from './domain-fixtures';

export const testMetadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  correlationId: 'test-correlation',
  causationId: 'test-causation',
  actor: 'test',
  occurredAt: '2024-05-01T10:15:00.000Z',
  ...overrides,
});

export interface NewEventOverrides {
  readonly eventId?: string;
  readonly metadata?: Partial<EventMetadata>;
}

/** `event` ready to append, with a random event id unless one is given. */
export const newEvent = <E extends ServiceEvent>(event: E, overrides: NewEventOverrides = {}): NewEvent<E> =>
  ({ ...event, eventId: overrides.eventId ?? randomUUID(), metadata: testMetadata(overrides.metadata) }) as NewEvent<E>;

/**
 * Streams owned by one test: every id starts with the same random prefix, so reads and subscriptions
 * over $all can be filtered to them (other tests may write to the same log at the same time).
 */
export interface StreamFamily {
  /** Filter prefix matching exactly this family's order streams. */
  readonly orderPrefix: string;
  /** A fresh order stream of the family: `order-<uuid>`, with its order id. */
  orderStream(): { readonly streamId: string; readonly orderId: string };
}

export const streamFamily = (): StreamFamily => {
  const head = randomUUID().slice(0, 14); // "xxxxxxxx-xxxx-": 48 random bits shared by the family
  return {
    orderPrefix: `order-${head}`,
    orderStream: () => {
      const orderId = head + randomUUID().slice(14);
      return { streamId: `order-${orderId}`, orderId };
    },
  };
};

/** A fresh order stream outside any family. */
export const orderStream = (): { readonly streamId: string; readonly orderId: string } => streamFamily().orderStream();

/** The n-th event of a plausible order history (OrderCreated first, then items), for streams of any length. */
export const orderEvent = (orderId: string, n: number, overrides: NewEventOverrides = {}): NewEvent =>
  newEvent(n === 0 ? orderCreated({ orderId }) : itemAdded({ orderId, quantity: n }), overrides);

/** `count` valid events of one order, starting at history index `from`. */
export const orderEvents = (orderId: string, count: number, from = 0): NewEvent[] =>
  Array.from({ length: count }, (_, i) => orderEvent(orderId, from + i));

/** An event that fails the schema (quantity 0): appending it must write nothing. */
export const invalidOrderEvent = (orderId: string): NewEvent => newEvent(itemAdded({ orderId, quantity: 0 }));

/** A valid event of another type, for tests that tell events apart by type. */
export const orderSubmittedEvent = (orderId: string): NewEvent => newEvent({ ...orderSubmitted(), data: { ...orderSubmitted().data, orderId } });

export type MatrixEventName = 'e0' | 'e1' | 'e2' | 'e3' | 'e4' | 'e5';
export const MATRIX_EVENT_NAMES: readonly MatrixEventName[] = ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'];

/**
 * e0…e5 of the idempotency matrix (CLIENT-NOTES.md) for one stream: each keeps its id wherever it is used
 * in that row. The ids are fresh per call, not global constants: EventStoreDB's 'any' idempotency looks ids
 * up in a cache keyed by event id alone, so reusing an id in another stream would change the outcome.
 */
export const matrixEvents = (orderId: string): Record<MatrixEventName, NewEvent> =>
  Object.fromEntries(MATRIX_EVENT_NAMES.map((name, n) => [name, orderEvent(orderId, n)])) as Record<MatrixEventName, NewEvent>;
