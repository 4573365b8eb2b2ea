// Gap safety: positions come from a sequence, so a transaction can take a position and commit after a later
// one did. Readers and subscriptions must never pass an event whose transaction is still in flight (they
// would skip it for good), and must not wait for a position whose transaction rolled back.
import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { createPostgresEventStore, type PostgresEventStore } from '../../../src/adapters/postgres';
import { comparePositions, type EventStore, type Position, type RecordedEvent, type Subscription, type SubscriptionMessage } from '../../../src/application/ports';
import { orderEvent, orderEvents, streamFamily, type StreamFamily } from '../../support/new-events';
import { connect, freshSchema, postgresOptions } from '../../support/postgres';

const schema = freshSchema('gap');
const QUIET_MS = 400;

/** The next subscription message, or 'nothing' when none arrives within `ms` (the pending read is kept for the next call). */
class Reader {
  private readonly iterator: AsyncIterator<SubscriptionMessage>;
  private pending: Promise<IteratorResult<SubscriptionMessage>> | null = null;

  constructor(readonly subscription: Subscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async next(ms = 5_000): Promise<SubscriptionMessage | 'nothing'> {
    this.pending ??= this.iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([this.pending, new Promise<'nothing'>((resolve) => (timer = setTimeout(() => resolve('nothing'), ms)))]);
    clearTimeout(timer);
    if (result === 'nothing') return 'nothing';
    this.pending = null;
    if (result.done) throw new Error('the subscription ended');
    return result.value;
  }

  /** Messages until `count` events arrived (checkpoints and caught-up included). */
  async events(count: number): Promise<{ events: RecordedEvent[]; messages: SubscriptionMessage[] }> {
    const events: RecordedEvent[] = [];
    const messages: SubscriptionMessage[] = [];
    while (events.length < count) {
      const message = await this.next();
      if (message === 'nothing') throw new Error(`only ${events.length} of ${count} events arrived`);
      messages.push(message);
      if (message.kind === 'event') events.push(message.event);
    }
    return { events, messages };
  }

  /** Everything that arrives within `ms`. */
  async drain(ms = QUIET_MS): Promise<SubscriptionMessage[]> {
    const messages: SubscriptionMessage[] = [];
    for (;;) {
      const message = await this.next(ms);
      if (message === 'nothing') return messages;
      messages.push(message);
    }
  }

  async untilCaughtUp(): Promise<void> {
    for (;;) {
      const message = await this.next();
      if (message === 'nothing') throw new Error('no caught-up');
      if (message.kind === 'caught-up') return;
    }
  }
}

const eventsIn = (messages: readonly SubscriptionMessage[]) => messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
const checkpointsIn = (messages: readonly SubscriptionMessage[]) => messages.flatMap((m) => (m.kind === 'checkpoint' ? [m.position] : []));

describe('PostgreSQL: gap-safe global order', () => {
  let store: PostgresEventStore;
  let close: () => Promise<void>;
  let holder: Client;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    const opened = await createPostgresEventStore(postgresOptions(schema));
    store = opened.eventStore as PostgresEventStore;
    close = opened.close;
  });
  beforeEach(async () => {
    holder = await connect();
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  });
  afterAll(() => close());

  const subscribe = (from: Position | null, family: StreamFamily, on: EventStore = store): Reader => {
    const subscription = on.subscribeToAll({ from, streamPrefixes: [family.orderPrefix] });
    subscriptions.push(subscription);
    return new Reader(subscription);
  };

  /** Appends on the holder connection inside a transaction it keeps open; returns the position it took. */
  const holdAppend = async (streamId: string, orderId: string): Promise<Position> => {
    await holder.query('BEGIN');
    const { text, values } = store.appendStatement(streamId, [orderEvent(orderId, 0)], 'no_stream');
    const { rows } = await holder.query<{ last_position: string }>(text, values);
    return String(rows[0]?.last_position);
  };

  it('a held transaction: later commits wait behind it, then everything arrives in position order', async () => {
    const family = streamFamily();
    const [held, later1, later2] = [family.orderStream(), family.orderStream(), family.orderStream()];
    const head = await store.headPosition();
    const reader = subscribe(head, family);
    await reader.untilCaughtUp();

    const heldPosition = await holdAppend(held.streamId, held.orderId);
    const first = await store.append(later1.streamId, orderEvents(later1.orderId, 2), 'no_stream');
    const second = await store.append(later2.streamId, [orderEvent(later2.orderId, 0)], 'no_stream');
    expect(comparePositions(first.position, heldPosition)).toBe(1);

    // Committed, but behind an open transaction with a lower position: invisible to every reader.
    const whileHeld = await reader.drain();
    expect(eventsIn(whileHeld)).toEqual([]);
    for (const checkpoint of checkpointsIn(whileHeld)) expect(comparePositions(checkpoint, heldPosition)).toBe(-1);
    expect(await store.readAll({ after: head, maxCount: 10, streamPrefixes: [family.orderPrefix] })).toEqual([]);
    const headWhileHeld = await store.headPosition();
    expect(headWhileHeld === null || comparePositions(headWhileHeld, heldPosition) < 0).toBe(true);
    // readStream reads committed rows directly: the later stream is there.
    expect(await store.readStream(later1.streamId)).toHaveLength(2);

    await holder.query('COMMIT');

    const { events } = await reader.events(4);
    expect(events.map((event) => [event.streamId, event.position])).toEqual([
      [held.streamId, heldPosition],
      [later1.streamId, (await store.readStream(later1.streamId))[0]?.position],
      [later1.streamId, first.position],
      [later2.streamId, second.position],
    ]);
    const read = await store.readAll({ after: head, maxCount: 10, streamPrefixes: [family.orderPrefix] });
    expect(read.map((event) => event.position)).toEqual(events.map((event) => event.position));
    expect(await store.headPosition()).toBe(second.position);
  });

  it('a rolled-back transaction leaves a gap that readers pass', async () => {
    const family = streamFamily();
    const [rolledBack, later] = [family.orderStream(), family.orderStream()];
    const head = await store.headPosition();
    const reader = subscribe(head, family);
    await reader.untilCaughtUp();

    const gap = await holdAppend(rolledBack.streamId, rolledBack.orderId);
    const committed = await store.append(later.streamId, [orderEvent(later.orderId, 0)], 'no_stream');
    expect(eventsIn(await reader.drain())).toEqual([]);

    await holder.query('ROLLBACK');

    const { events } = await reader.events(1);
    expect(events.map((event) => event.position)).toEqual([committed.position]);
    expect(comparePositions(committed.position, gap)).toBe(1);
    expect((await store.readAll({ after: head, maxCount: 10, streamPrefixes: [family.orderPrefix] })).map((e) => e.position)).toEqual([committed.position]);
    expect(await store.readStream(rolledBack.streamId)).toEqual([]);
    expect(await store.headPosition()).toBe(committed.position);
  });

  it('a subscription in another process (another pool) waits for the held transaction too', async () => {
    const other = await createPostgresEventStore(postgresOptions(schema));
    try {
      const family = streamFamily();
      const [held, later] = [family.orderStream(), family.orderStream()];
      const reader = subscribe(await store.headPosition(), family, other.eventStore);
      await reader.untilCaughtUp();

      const heldPosition = await holdAppend(held.streamId, held.orderId);
      await store.append(later.streamId, [orderEvent(later.orderId, 0)], 'no_stream');
      expect(eventsIn(await reader.drain())).toEqual([]);
      await holder.query('COMMIT');

      const { events } = await reader.events(2);
      expect(events.map((event) => event.streamId)).toEqual([held.streamId, later.streamId]);
      expect(events[0]?.position).toBe(heldPosition);
    } finally {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await other.close();
    }
  });

  it('only event writers of this schema hold readers back: other schemas and other transactions do not', async () => {
    const otherSchema = await createPostgresEventStore(postgresOptions(freshSchema('gap_other')));
    try {
      const family = streamFamily();
      const head = await store.headPosition();
      // An open append in another schema, and an open transaction that wrote elsewhere (it has a transaction id).
      await holder.query('BEGIN');
      const elsewhere = (otherSchema.eventStore as PostgresEventStore).appendStatement(`order-${randomUUID()}`, [orderEvent(randomUUID(), 0)], 'no_stream');
      await holder.query(elsewhere.text, elsewhere.values);
      await holder.query(`CREATE TEMPORARY TABLE gap_probe (n integer)`);
      await holder.query(`INSERT INTO gap_probe VALUES (1)`);

      const { streamId, orderId } = family.orderStream();
      const appended = await store.append(streamId, [orderEvent(orderId, 0)], 'no_stream');

      expect((await store.readAll({ after: head, maxCount: 10, streamPrefixes: [family.orderPrefix] })).map((e) => e.position)).toEqual([appended.position]);
      expect(await store.headPosition()).toBe(appended.position);
    } finally {
      await holder.query('ROLLBACK');
      await otherSchema.close();
    }
  });

  it('writers committing out of position order: live readers miss nothing and never go back', async () => {
    const family = streamFamily();
    const head = await store.headPosition();
    const reader = subscribe(head, family);
    await reader.untilCaughtUp();
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect()));
    const committed: { position: Position; order: number }[] = [];
    let commits = 0;
    let writing = true;
    // A second reader polls readAll from its own cursor as fast as it can while the writers run.
    const polled: Position[] = [];
    let stopPolling = Date.now() + 60_000;
    const poller = (async () => {
      let cursor = head;
      while ((writing || polled.length < committed.length) && Date.now() < stopPolling) {
        const page = await store.readAll({ after: cursor, maxCount: 100, streamPrefixes: [family.orderPrefix] });
        for (const event of page) polled.push(event.position);
        cursor = page.at(-1)?.position ?? cursor;
        if (!writing && page.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      // Each writer appends in its own transaction and waits a random while before committing (or rolling
      // back); in between it appends through the store, which wakes the subscriber while others are in flight.
      await Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < 12; i++) {
            const { streamId, orderId } = family.orderStream();
            await client.query('BEGIN');
            const { text, values } = store.appendStatement(streamId, [orderEvent(orderId, 0)], 'no_stream');
            const { rows } = await client.query<{ last_position: string }>(text, values);
            await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 25)));
            if (Math.random() < 0.15) {
              await client.query('ROLLBACK');
            } else {
              await client.query('COMMIT');
              committed.push({ position: String(rows[0]?.last_position), order: commits++ });
            }
            const direct = family.orderStream();
            const { position } = await store.append(direct.streamId, [orderEvent(direct.orderId, 0)], 'no_stream');
            committed.push({ position, order: commits++ });
          }
        }),
      );
    } finally {
      writing = false;
      stopPolling = Date.now() + 5_000;
      await Promise.all(clients.map((client) => client.end()));
    }
    const byPosition = [...committed].sort((a, b) => comparePositions(a.position, b.position));
    // Non-vacuous: some transaction committed after one with a higher position.
    expect(byPosition.some((entry, i) => i > 0 && entry.order < (byPosition[i - 1] as { order: number }).order)).toBe(true);

    await poller;
    expect(polled).toEqual(byPosition.map((entry) => entry.position));
    const delivered = eventsIn(await reader.drain(1_000)).map((event) => event.position);
    expect(delivered).toEqual(byPosition.map((entry) => entry.position));
  }, 30_000);
});
