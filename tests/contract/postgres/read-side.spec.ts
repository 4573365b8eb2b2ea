import { createPostgresReadStore } from '../../../src/adapters/postgres';
import { freshSchema, postgresOptions } from '../../support/postgres';
import { checkpointStoreContract } from '../checkpoint-store.contract';
import { idempotencyStoreContract } from '../idempotency-store.contract';
import { parkedEventStoreContract } from '../parked-event-store.contract';
import { readModelStoreContract } from '../read-model-store.contract';
import { snapshotStoreContract } from '../snapshot-store.contract';

// One schema for the file; every test uses fresh collection, projection and stream names.
const schema = freshSchema('reads');
const open = (definitions?: Parameters<Parameters<typeof readModelStoreContract>[1]>[0]) =>
  createPostgresReadStore(postgresOptions(schema, definitions ? { readModelDefinitions: definitions } : {}));

readModelStoreContract('postgres', async (definitions) => {
  const store = await open(definitions);
  return { readModels: store.readModels, checkpoints: store.checkpoints, dispose: store.close };
});
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
