// Domain events as a subscription delivers them (RecordedEvent), for pure projection tests and folds.
import type { RecordedEvent } from '../../src/application/ports';
import type { ServiceEvent } from '../../src/domain';

export const OCCURRED_AT = '2024-05-01T10:15:00.000Z';

export interface RecordedFields {
  readonly position?: number | string;
  readonly revision?: number;
  readonly streamId?: string;
  readonly occurredAt?: string;
  readonly eventId?: string;
}

/** The stream an event is written to, as the command handlers name it. */
export const streamOf = (event: ServiceEvent): string => {
  const data = event.data as Record<string, string>;
  if (event.type.startsWith('Order')) return `order-${data['orderId']}`;
  if (event.type.startsWith('Customer')) return `customer-${data['customerId']}`;
  if (event.type.startsWith('Product')) return `product-${data['productId']}`;
  return `customeremail-${data['email']}`;
};

let counter = 0;

/** `event` as read back from the log (position 1, revision 0 and OCCURRED_AT unless given). */
export const recorded = <E extends ServiceEvent>(event: E, fields: RecordedFields = {}): RecordedEvent<E> =>
  ({
    ...event,
    eventId: fields.eventId ?? `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`,
    streamId: fields.streamId ?? streamOf(event),
    revision: fields.revision ?? 0,
    position: String(fields.position ?? 1),
    metadata: { correlationId: 'corr', causationId: 'cause', actor: 'test', occurredAt: fields.occurredAt ?? OCCURRED_AT },
    storedSchemaVersion: 1,
  }) as RecordedEvent<E>;

/** A log: positions 1, 2, … in the given order and revisions counted per stream. */
export const recordedLog = (events: readonly ServiceEvent[], occurredAt: string = OCCURRED_AT): RecordedEvent[] => {
  const revisions = new Map<string, number>();
  return events.map((event, i) => {
    const streamId = streamOf(event);
    const revision = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revision + 1);
    return recorded(event, { position: i + 1, revision, streamId, occurredAt });
  });
};
