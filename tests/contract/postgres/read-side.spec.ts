import { createPostgresReadStore } from '../../../src/adapters/postgres';
import type { ReadModelDefinition } from '../../../src/application/ports';
import { freshSchema, postgresOptions } from '../../support/postgres';
import { checkpointStoreContract } from '../checkpoint-store.contract';
import { idempotencyStoreContract } from '../idempotency-store.contract';
import { parkedEventStoreContract } from '../parked-event-store.contract';
import { readModelStoreContract } from '../read-model-store.contract';
import { readSideContract } from '../read-side.contract';
import { snapshotStoreContract } from '../snapshot-store.contract';

// One schema for the file; every test uses fresh collection, projection and stream names.
const schema = freshSchema('reads');
const open = (definitions?: readonly ReadModelDefinition[]) =>
  createPostgresReadStore(postgresOptions(schema, definitions ? { readModelDefinitions: definitions } : {}));

const readSide = async (definitions?: readonly ReadModelDefinition[]) => {
  const store = await open(definitions);
  return { readModels: store.readModels, checkpoints: store.checkpoints, dispose: store.close };
};

readModelStoreContract('postgres', readSide);
readSideContract('postgres', readSide);
checkpointStoreContract('postgres', async () => {
  const store = await open();
  return { checkpoints: store.checkpoints, dispose: store.close };
});
snapshotStoreContract('postgres', async () => {
  const store = await open();
  return { snapshots: store.snapshots, dispose: store.close };
});
parkedEventStoreContract('postgres', async () => {
  const store = await open();
  return { parked: store.parked, dispose: store.close };
});
idempotencyStoreContract('postgres', async () => {
  const store = await open();
  return { store: store.idempotency, dispose: store.close };
});
