// The MongoDB server every Mongo suite runs against (contract, e2e, bench): MONGODB_URL when set
// (each test file gets its own database, dropped afterwards), else a throwaway single-node replica
// set in a container (@testcontainers/mongodb) when the jest global setup found a container runtime,
// else nothing: the suites are registered under describe.skip and one line says why.
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';

export const MONGO_IMAGE = 'mongo:7.0';

export interface MongoTestServer {
  /** Where it came from, for messages. */
  readonly source: 'MONGODB_URL' | 'container';
  readonly url: string;
  /** A database of this test file's own. */
  readonly dbName: string;
  /** A replica set (transactions) rather than a standalone server. */
  readonly replicaSet: boolean;
}

export type MongoAvailability = { readonly available: true; readonly source: MongoTestServer['source'] } | { readonly available: false; readonly reason: string };

export const mongoAvailability = (env: NodeJS.ProcessEnv = process.env): MongoAvailability => {
  if (env.MONGODB_URL?.trim()) return { available: true, source: 'MONGODB_URL' };
  if (env.CONTAINER_RUNTIME === 'available') return { available: true, source: 'container' };
  const runtime = env.CONTAINER_RUNTIME === undefined ? 'container runtime not probed (run through the jest global setup)' : `no container runtime (${env.CONTAINER_RUNTIME_REASON ?? 'unknown reason'})`;
  return { available: false, reason: `${runtime} and MONGODB_URL not set` };
};

/** The container publishes a replica set member on a random port: connect to it directly, not through the set's advertised host names. */
export const withDirectConnection = (url: string): string => {
  if (/[?&]directConnection=/.test(url)) return url;
  const [base = url, query] = url.split('?');
  return `${base.endsWith('/') ? base : `${base}/`}?${query ? `${query}&` : ''}directConnection=true`;
};

const isReplicaSet = async (client: MongoClient): Promise<boolean> => {
  const hello = await client.db('admin').command({ hello: 1 });
  return typeof hello.setName === 'string';
};

export interface StartedMongo {
  readonly server: MongoTestServer;
  stop(): Promise<void>;
}

export const startMongo = async (source: MongoTestServer['source'], dbPrefix = 'test'): Promise<StartedMongo> => {
  const dbName = `${dbPrefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  if (source === 'MONGODB_URL') {
    const url = (process.env.MONGODB_URL as string).trim();
    const client = await new MongoClient(url).connect();
    const replicaSet = await isReplicaSet(client);
    return {
      server: { source, url, dbName, replicaSet },
      stop: async () => {
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  }
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(MONGO_IMAGE).start();
  const url = withDirectConnection(container.getConnectionString());
  const client = await new MongoClient(url).connect();
  try {
    return { server: { source, url, dbName, replicaSet: await isReplicaSet(client) }, stop: async () => void (await container.stop()) };
  } finally {
    await client.close();
  }
};

/**
 * Registers `suites` under a describe that has a MongoDB server (started in beforeAll, stopped in
 * afterAll); `server()` is valid inside tests and hooks. Without a server the same tests are
 * registered under describe.skip, so jest reports them as skipped, and one line names the reason.
 */
export const describeWithMongo = (title: string, suites: (server: () => MongoTestServer) => void): void => {
  const availability = mongoAvailability();
  if (!availability.available) {
    process.stdout.write(`MongoDB suites skipped: ${availability.reason}\n`);
    describe.skip(title, () =>
      suites(() => {
        throw new Error('no MongoDB server');
      }),
    );
    return;
  }
  describe(`${title} (${availability.source})`, () => {
    let started: StartedMongo | null = null;
    beforeAll(async () => {
      started = await startMongo(availability.source);
    }, 180_000);
    afterAll(async () => {
      await started?.stop();
    }, 60_000);
    suites(() => {
      if (!started) throw new Error('the MongoDB server did not start');
      return started.server;
    });
  });
};
