import { getContainerRuntimeClient } from 'testcontainers';

/**
 * Finds out once whether a container runtime exists; suites that need EventStoreDB or MongoDB read
 * CONTAINER_RUNTIME (and CONTAINER_RUNTIME_REASON) to start containers or skip with the reason.
 */
export const detectContainerRuntime = async (): Promise<void> => {
  if (process.env.CONTAINER_RUNTIME !== undefined) return;
  try {
    await getContainerRuntimeClient();
    process.env.CONTAINER_RUNTIME = 'available';
  } catch (error) {
    process.env.CONTAINER_RUNTIME = 'unavailable';
    process.env.CONTAINER_RUNTIME_REASON = (error as Error).message;
  }
};
