// Runs once before the contract and e2e projects: finds out which real servers the suites can use,
// and leaves the answer in environment variables the test workers inherit.
import { getContainerRuntimeClient } from 'testcontainers';

export default async function globalSetup(): Promise<void> {
  if (process.env.CONTAINER_RUNTIME === undefined) {
    try {
      await getContainerRuntimeClient();
      process.env.CONTAINER_RUNTIME = 'available';
    } catch (error) {
      process.env.CONTAINER_RUNTIME = 'unavailable';
      process.env.CONTAINER_RUNTIME_REASON = (error as Error).message;
    }
  }
}
