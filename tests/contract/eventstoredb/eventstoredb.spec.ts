// The shared EventStore, SnapshotStore and PersistentSubscriptions contracts against a real EventStoreDB
// (./server.ts says which: EVENTSTORE_URL, else a container, else skipped with the reason), plus what
// only a real server can show about this adapter. One file: one server, one skip line.
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, FORWARDS, START } from '@eventstore/db-client';
import { parkedStreamOf, snapshotStreamOf } from '../../../src/adapters/eventstoredb';
import { eventually, within } from '../../support/eventually';
import { orderEvent, orderEvents, orderStream, streamFamily } from '../../support/new-events';
import { eventStoreContract } from '../event-store.contract';
import { persistentSubscriptionsContract } from '../persistent-subscriptions.contract';
import { snapshotStoreContract } from '../snapshot-store.contract';
import { describeWithEventStoreDb, openAdapters } from './server';

// Real round trips on a server shared by parallel suites; the server checks persistent-subscription
// message timeouts on a 1 s tick and the contract waits up to 10 s for a delivery.
jest.setTimeout(60_000);

describeWithEventStoreDb('EventStoreDB', (server) => {
  eventStoreContract('eventstoredb', async () => {
    const adapters = openAdapters(server());
    return { store: adapters.eventStore, dispose: () => adapters.close() };
  });

  snapshotStoreContract('eventstoredb', async () => {
    const adapters = openAdapters(server());
    return { snapshots: adapters.snapshots, dispose: () => adapters.close() };
  });

  persistentSubscriptionsContract('eventstoredb', async () => {
    const adapters = openAdapters(server());
    return { store: adapters.eventStore, persistent: adapters.persistent, dispose: () => adapters.close() };
  });

  describe('eventstoredb, beyond the contracts', () => {
    it('stores EventStoreDB’s $correlationId / $causationId conventions in each event’s metadata', async () => {
      const adapters = openAdapters(server());
      const client = EventStoreDBClient.connectionString(server().connectionString);
      try {
        const { streamId, orderId } = orderStream();
        await adapters.eventStore.append(streamId, [orderEvent(orderId, 0, { metadata: { correlationId: 'corr-42', causationId: 'cmd-42' } })], 'no_stream');

        const raw = [];
        for await (const resolved of client.readStream(streamId, { direction: FORWARDS, fromRevision: START, maxCount: 1 })) raw.push(resolved.event?.metadata);

        expect(raw).toEqual([expect.objectContaining({ correlationId: 'corr-42', causationId: 'cmd-42', $correlationId: 'corr-42', $causationId: 'cmd-42', schemaVersion: 1 })]);
      } finally {
        await client.dispose();
        await adapters.close();
      }
    });

    it('snapshot streams stay out of $all reads without prefixes', async () => {
      const adapters = openAdapters(server());
      try {
        const head = await adapters.eventStore.headPosition();
        const { streamId, orderId } = orderStream();
        await adapters.eventStore.append(streamId, [orderEvent(orderId, 0)], 'no_stream');
        await adapters.snapshots.save({ streamId, revision: 0, stateVersion: 1, state: { status: 'draft' } });

        const read = await adapters.eventStore.readAll({ after: head, maxCount: 1_000 });

        expect(read.map((event) => event.streamId)).toContain(streamId);
        expect(read.map((event) => event.streamId)).not.toContain(snapshotStreamOf(streamId));
        expect(await adapters.snapshots.load(streamId)).toEqual({ streamId, revision: 0, stateVersion: 1, state: { status: 'draft' } });
      } finally {
        await adapters.close();
      }
    });

    it('parks into "$persistentsubscription-$all::<group>-parked" as links whose metadata holds the reason', async () => {
      const adapters = openAdapters(server());
      const client = EventStoreDBClient.connectionString(server().connectionString);
      const group = `parked-${randomUUID()}`;
      try {
        const family = streamFamily();
        await adapters.persistent.ensureGroup(group, { streamPrefixes: [family.orderPrefix], maxRetryCount: 1, messageTimeoutMs: 60_000, consumerStrategy: 'round-robin' });
        const { streamId, orderId } = family.orderStream();
        await adapters.eventStore.append(streamId, orderEvents(orderId, 1), 'no_stream');
        const consumer = adapters.persistent.subscribe(group);
        const delivery = await within(consumer[Symbol.asyncIterator]().next(), 10_000, 'the delivery');
        if (delivery.done) throw new Error('the consumer ended');
        await consumer.nack(delivery.value, 'park', 'poison pill');

        const links = await eventually(async () => {
          const read = [];
          for await (const resolved of client.readStream(parkedStreamOf(group), { direction: FORWARDS, fromRevision: START, resolveLinkTos: true })) read.push(resolved);
          expect(read).toHaveLength(1);
          return read;
        });
        expect(links[0]?.link).toMatchObject({ type: '$>', metadata: expect.objectContaining({ reason: 'poison pill' }) });
        expect(links[0]?.event?.id).toBe(delivery.value.event.eventId);
        await consumer.close();
      } finally {
        await client.dispose();
        await adapters.close();
      }
    });
  });
});
