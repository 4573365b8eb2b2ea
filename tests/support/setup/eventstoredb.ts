// Where the EventStoreDB suites (contract, e2e) get a server: EVENTSTORE_URL when set, otherwise a
// throwaway eventstore/eventstore:24.10 container when the global setup found a container runtime
// (CONTAINER_RUNTIME, see ./containers.ts), otherwise nowhere — and the suites say why they skip.
import { EventStoreDBClient, BACKWARDS, END } from '@eventstore/db-client';
import { GenericContainer, Wait } from 'testcontainers';
import { within } from '../eventually';

export const EVENTSTORE_IMAGE = 'eventstore/eventstore:24.10';
const HTTP_PORT = 2113;

/** An insecure single node keeping everything in memory: fast to start, nothing left behind. */
export const EVENTSTORE_TEST_ENVIRONMENT: Readonly<Record<string, string>> = {
  EVENTSTORE_CLUSTER_SIZE: '1',
  EVENTSTORE_RUN_PROJECTIONS: 'All',
  EVENTSTORE_START_STANDARD_PROJECTIONS: 'true',
  EVENTSTORE_INSECURE: 'true',
  EVENTSTORE_MEM_DB: 'true',
};

export type EventStoreDbTarget =
  | { readonly kind: 'url'; readonly connectionString: string }
  | { readonly kind: 'container' }
  | { readonly kind: 'skip'; readonly reason: string };

/** The one rule every EventStoreDB suite follows. */
export const eventStoreDbTarget = (env: NodeJS.ProcessEnv = process.env): EventStoreDbTarget => {
  const url = env.EVENTSTORE_URL?.trim();
  if (url) return { kind: 'url', connectionString: url };
  if (env.CONTAINER_RUNTIME === 'available') return { kind: 'container' };
  const runtime =
    env.CONTAINER_RUNTIME === undefined
      ? 'no container runtime probe ran (the jest project has no global setup)'
      : `no container runtime (${env.CONTAINER_RUNTIME_REASON ?? 'reason unknown'})`;
  return { kind: 'skip', reason: `${runtime} and EVENTSTORE_URL not set` };
};

export interface RunningEventStoreDb {
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** Starts the container and waits for /health/live; the caller stops it. */
export const startEventStoreDbContainer = async (): Promise<RunningEventStoreDb> => {
  const container = await new GenericContainer(EVENTSTORE_IMAGE)
    .withEnvironment({ ...EVENTSTORE_TEST_ENVIRONMENT })
    .withExposedPorts(HTTP_PORT)
    .withWaitStrategy(Wait.forHttp('/health/live', HTTP_PORT))
    .withStartupTimeout(120_000)
    .start();
  return {
    connectionString: `esdb://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}?tls=false`,
    stop: async () => {
      await container.stop();
    },
  };
};

/** Waits until the server answers a gRPC read (a live node may still be electing itself leader). */
export const waitUntilReady = async (connectionString: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = EventStoreDBClient.connectionString(connectionString);
    try {
      // Bounded by us too: a server that accepts connections but does not answer would hang the read.
      await within(
        (async () => {
          for await (const event of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) void event;
        })(),
        5_000,
        'a read of $all',
      );
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`EventStoreDB at ${connectionString} is not ready: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await within(client.dispose(), 5_000, 'dispose').catch(() => undefined);
    }
  }
};

/** The server for one suite: the configured one, or a fresh container. */
export const provideEventStoreDb = async (target: Exclude<EventStoreDbTarget, { kind: 'skip' }>): Promise<RunningEventStoreDb> => {
  const server = target.kind === 'url' ? { connectionString: target.connectionString, stop: async () => {} } : await startEventStoreDbContainer();
  try {
    await waitUntilReady(server.connectionString);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
};
