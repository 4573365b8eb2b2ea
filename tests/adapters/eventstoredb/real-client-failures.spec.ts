// The real @eventstore/db-client against servers that are not EventStoreDB: a closed port, and a port
// that accepts TCP but never answers. No EventStoreDB needed, so these run everywhere.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { UnavailableError } from '@eventstore/db-client';
import { createEventStoreDbEventStore } from '../../../src/adapters/eventstoredb';
import { StoreUnavailable, type Subscription } from '../../../src/application/ports';
import { within } from '../../support/eventually';
import { orderEvent, orderStream } from '../../support/new-events';
import { codec, recordingLogger } from './support';
import { rejectionOf } from '../../support/rejection';

const TIMEOUT_MS = 400;

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

const closeServer = (server: Server, sockets: Set<Socket>): Promise<void> =>
  new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

describe('the real client against a server that is not there or never answers', () => {
  it('a closed port: append, read and head fail with StoreUnavailable (gRPC UNAVAILABLE, or our timeout)', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const adapters = await createEventStoreDbEventStore({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, timeoutMs: TIMEOUT_MS, logger: recordingLogger(), codec });
    try {
      const { streamId, orderId } = orderStream();
      const append = await within(rejectionOf(adapters.eventStore.append(streamId, [orderEvent(orderId, 0)], 'no_stream')), 5_000, 'the append to fail');
      // What the client gives for an append here is the raw gRPC error (code 14), not an UnavailableError.
      expect(append).toBeInstanceOf(StoreUnavailable);
      expect((append as StoreUnavailable).cause).toMatchObject({ code: 14 });
      expect((append as StoreUnavailable).cause).not.toBeInstanceOf(UnavailableError);
      // A read converts it (UnavailableError).
      const read = await within(rejectionOf(adapters.eventStore.readStream(streamId)), 5_000, 'the read to fail');
      expect(read).toBeInstanceOf(StoreUnavailable);
      expect((read as StoreUnavailable).cause).toBeInstanceOf(UnavailableError);
      await expect(within(adapters.eventStore.headPosition(), 5_000, 'the head read to fail')).rejects.toBeInstanceOf(StoreUnavailable);
      expect((await adapters.health.check()).ok).toBe(false);
    } finally {
      await adapters.close();
    }
  });

  it('a port that accepts TCP but never answers: every call gives up after our timeout with StoreUnavailable', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await listen(server);
    const logger = recordingLogger();
    const adapters = await createEventStoreDbEventStore({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, timeoutMs: TIMEOUT_MS, logger, codec });
    let subscription: Subscription | undefined;
    try {
      const { streamId, orderId } = orderStream();

      const started = Date.now();
      const append = await within(rejectionOf(adapters.eventStore.append(streamId, [orderEvent(orderId, 0)], 'no_stream')), 5_000, 'the append to give up');
      expect(append).toBeInstanceOf(StoreUnavailable);
      expect((append as Error).message).toMatch(new RegExp(`no answer within ${TIMEOUT_MS} ms`));
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);

      const read = await within(rejectionOf(adapters.eventStore.readStream(streamId)), 5_000, 'the read to give up');
      expect(read).toBeInstanceOf(StoreUnavailable);
      expect(logger.lines.filter((line) => line.message === 'replacing the EventStoreDB client').length).toBeGreaterThanOrEqual(1);

      // A subscription on a silent server stays silent (the runner's watchdog resubscribes); close() still ends it.
      subscription = adapters.eventStore.subscribeToAll({ from: null, streamPrefixes: ['order-'] });
      const pending = subscription[Symbol.asyncIterator]().next();
      await subscription.close();
      expect(await within(pending, 2_000, 'the end after close()')).toEqual({ done: true, value: undefined });
    } finally {
      await subscription?.close();
      await within(adapters.close(), 5_000, 'close()');
      await closeServer(server, sockets);
    }
  });
});
