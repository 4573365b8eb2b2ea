import { createPostgresEventStore } from '../../../src/adapters/postgres';
import { freshSchema, postgresOptions } from '../../support/postgres';
import { eventStoreContract } from '../event-store.contract';

// Every test opens the adapter anew (pool, migrations check) on one schema: the log is shared, as the contract expects.
const schema = freshSchema('events');

eventStoreContract('postgres', async () => {
  const { eventStore, close } = await createPostgresEventStore(postgresOptions(schema));
  return { store: eventStore, dispose: close };
});
