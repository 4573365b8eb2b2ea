// Domain events as a subscription delivers them (RecordedEvent), for pure projection tests and folds.
import type { RecordedEvent } from '../../src/application/ports';
import type { Projection } from '../../src/application/projections/projection';
import type { ServiceEvent } from '../../src/domain';

export const OCCURRED_AT = '2024-05-01T10:15:00.000Z';
/** When a later event happened (the next day): what a document's updatedAt becomes after it. */
export const LATER = '2024-05-02T08:00:00.000Z';

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

/** `event` as read back from the log, happened at LATER (the other fields as `recorded` gives them). */
export const recordedLater = <E extends ServiceEvent>(event: E, fields: Omit<RecordedFields, 'occurredAt'> = {}): RecordedEvent<E> =>
  recorded(event, { ...fields, occurredAt: LATER });

/**
 * One test per event, named "ignores <type>": the projection gives it no document id and no fan-out (where
 * it has fan-outs), and its evolve returns `doc` itself.
 */
export const itIgnores = <D>(projection: Projection<D, unknown>, doc: D, events: readonly ServiceEvent[]): void => {
  it.each(events)('ignores $type', (event) => {
    const recordedEvent = recorded(event);
    expect(projection.documentId(recordedEvent)).toBeNull();
    if (projection.fanOut) expect(projection.fanOut(recordedEvent)).toBeNull();
    expect(projection.evolve(doc, recordedEvent, null)).toBe(doc);
  });
};

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
