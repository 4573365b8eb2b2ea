// The memory event store: the shared contract, the suite it shares with PostgreSQL (positions 1, 2, …),
// and what only it does (checkpoint intervals, stores sharing one log).
import { EventCodec } from '../../../src/adapters/codec';
import { EventLog } from '../../../src/adapters/memory/event-log';
import { CHECKPOINT_INTERVAL, MemoryEventStore } from '../../../src/adapters/memory/memory-event-store';
import type { NewEvent } from '../../../src/application/ports';
import { within } from '../../support/eventually';
import { orderEvent, orderEvents, orderStream } from '../../support/new-events';
import { eventStoreContract } from '../event-store.contract';
import { nextMessage, readUntilCaughtUp, sequentialEventStoreContract, summary } from '../sequential-event-store.contract';

// One codec for the file: compiling the schemas once keeps a fresh store per test cheap.
const codec = new EventCodec();

eventStoreContract('memory', async () => {
  const store = new MemoryEventStore(codec);
  return { store, dispose: () => store.close() };
});

sequentialEventStoreContract(
  'memory',
  async () => {
    const store = new MemoryEventStore(codec);
    return { store, codec, importStored: async (events) => store.importStored(events), dispose: () => store.close() };
  },
  { retryProperty: { numRuns: 60, maxBatches: 12, maxRetries: 5 } },
);

describe('MemoryEventStore, beyond the contract', () => {
  let store: MemoryEventStore;
  beforeEach(() => {
    store = new MemoryEventStore(codec);
  });
  afterEach(() => store.close());

  it(`checkpoints every ${CHECKPOINT_INTERVAL} scanned entries, and at the head after entries the filter skipped`, async () => {
    const mine = orderStream();
    const noise = orderStream();
    await store.append(noise.streamId, orderEvents(noise.orderId, 40), 'no_stream'); // positions 1..40
    await store.append(mine.streamId, [orderEvent(mine.orderId, 0)], 'no_stream'); // 41
    await store.append(noise.streamId, orderEvents(noise.orderId, 30, 40), 39); // 42..71

    const subscription = store.subscribeToAll({ from: null, streamPrefixes: [mine.streamId] });
    const iterator = subscription[Symbol.asyncIterator]();
    const history = await readUntilCaughtUp(iterator);
    expect(history.map(summary)).toEqual(['checkpoint 32', 'event 41', 'checkpoint 64', 'checkpoint 71', 'caught-up']);

    // Live: a skipped entry is followed by a checkpoint; a delivered one is its own progress report.
    await store.append(noise.streamId, [orderEvent(noise.orderId, 70)], 69); // 72
    expect(summary(await nextMessage(iterator))).toBe('checkpoint 72');
    await store.append(mine.streamId, [orderEvent(mine.orderId, 1)], 0); // 73
    expect(summary(await nextMessage(iterator))).toBe('event 73');
    const pending = iterator.next();
    await store.append(noise.streamId, [orderEvent(noise.orderId, 71)], 70); // 74
    expect(await within(pending, 2_000, 'the checkpoint after a skipped live entry')).toEqual({ done: false, value: { kind: 'checkpoint', position: '74' } });
  });

  it('stores sharing one log see each other’s writes, live subscriptions included', async () => {
    const log = new EventLog();
    const writer = new MemoryEventStore(codec, { log });
    const reader = new MemoryEventStore(codec, { log });
    const { streamId, orderId } = orderStream();
    const iterator = reader.subscribeToAll({ from: null, streamPrefixes: [streamId] })[Symbol.asyncIterator]();
    expect((await nextMessage(iterator)).kind).toBe('caught-up');

    const [event] = orderEvents(orderId, 1);
    await writer.append(streamId, [event as NewEvent], 'no_stream');

    expect(await nextMessage(iterator)).toMatchObject({ kind: 'event', event: { eventId: event?.eventId, position: '1' } });
    expect(await reader.readStream(streamId)).toHaveLength(1);
    await reader.close();
  });
});
