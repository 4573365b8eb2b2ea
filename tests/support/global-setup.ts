// Runs once before the contract and e2e projects: finds out which real servers the suites can use
// and prepares them; the answers reach the test workers as environment variables.
import { detectContainerRuntime } from './setup/containers';
import { preparePostgres } from './setup/postgres';

export default async function globalSetup(): Promise<void> {
  await detectContainerRuntime();
  await preparePostgres();
}
