import { MongoClient, type Db } from 'mongodb';
import type {
  CheckpointStore,
  HealthCheck,
  IdempotencyStore,
  Logger,
  ParkedEventStore,
  ReadModelDefinition,
  ReadModelStore,
  SnapshotStore,
} from '../../application/ports';
import { readModelDefinitions } from '../../application/projections/read-models';
import { MongoCheckpointStore } from './mongo-checkpoint-store';
import { MongoCollections } from './mongo-collections';
import { mongoCall } from './mongo-errors';
import { mongoHealthCheck } from './mongo-health-check';
import { MongoIdempotencyStore } from './mongo-idempotency-store';
import { MongoParkedEventStore } from './mongo-parked-event-store';
import { MongoReadModelStore } from './mongo-read-model-store';
import { MongoSnapshotStore } from './mongo-snapshot-store';

export interface MongoOptions {
  url: string;
  dbName: string;
  logger: Logger;
  definitions?: readonly ReadModelDefinition[];
}

/** Transactions need a replica set (`setName` in `hello`) or a mongos (msg "isdbgrid"); a standalone server has neither. */
const supportsTransactions = async (db: Db): Promise<boolean> => {
  const hello = await db.command({ hello: 1 });
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
};

/**
 * Connects, detects whether commits can be transactions, creates every collection's indexes
 * (idempotent), and returns the read-side ports on one MongoClient. Positions are strings and
 * BigInt is refused before serialization, so the client runs with the driver's default number handling.
 */
export async function createMongoReadStore(o: MongoOptions): Promise<{
  readModels: ReadModelStore;
  checkpoints: CheckpointStore;
  parked: ParkedEventStore;
  snapshots: SnapshotStore;
  idempotency: IdempotencyStore;
  health: HealthCheck;
  close(): Promise<void>;
}> {
  const client = new MongoClient(o.url, { appName: 'order-service' });
  try {
    const db = client.db(o.dbName);
    const collections = new MongoCollections(db, o.definitions ?? readModelDefinitions, o.logger);
    const transactions = await mongoCall(async () => {
      await client.connect();
      const supported = await supportsTransactions(db);
      await collections.ensureInternal();
      for (const collection of collections.defined) await collections.ensure(collection);
      return supported;
    });
    o.logger.info({ db: o.dbName, transactions }, transactions ? 'MongoDB read store ready (commits are transactions)' : 'MongoDB read store ready (standalone: no transactions)');
    return {
      readModels: new MongoReadModelStore({ db, client, transactions, collections, logger: o.logger }),
      checkpoints: new MongoCheckpointStore(db),
      parked: new MongoParkedEventStore(db),
      snapshots: new MongoSnapshotStore(db),
      idempotency: new MongoIdempotencyStore(db),
      health: mongoHealthCheck(db),
      close: () => client.close(),
    };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}
