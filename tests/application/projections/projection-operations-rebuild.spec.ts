import { MemoryCheckpointStore } from '../../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../../src/adapters/memory/memory-documents';
import { MemoryEventStore } from '../../../src/adapters/memory/memory-event-store';
import { MemoryParkedEventStore } from '../../../src/adapters/memory/memory-parked-event-store';
import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import type { RunnerState } from '../../../src/application/projections/catch-up-runner';
import { ProjectionOperations, type LocalRunner } from '../../../src/application/projections/projection-operations';
import { projections } from '../../../src/application/projections/projections';

const operationsWith = (state: RunnerState) => {
  const documents = new MemoryDocuments();
  const checkpoints = new MemoryCheckpointStore(documents);
  const rebuild = jest.fn(async () => {});
  const runner: LocalRunner = {
    name: 'order-list',
    status: () => ({ name: 'order-list', mode: 'catch-up', state, checkpoint: null, lastError: null }),
    rebuild,
  };
  const operations = new ProjectionOperations({
    projections,
    eventStore: new MemoryEventStore(),
    persistent: null,
    readModels: new MemoryReadModelStore(documents),
    checkpoints,
    parked: new MemoryParkedEventStore(),
    groupOf: (name) => name,
    runners: () => [runner],
    clock: { now: () => new Date() },
  });
  return { operations, checkpoints, rebuild };
};

describe('ProjectionOperations.rebuild and where the rebuild runs', () => {
  it('starts it in this process when the local runner holds the lease', async () => {
    const { operations, checkpoints, rebuild } = operationsWith('live');
    await expect(operations.rebuild('order-list')).resolves.toEqual({ status: 'started' });
    expect(rebuild).toHaveBeenCalledTimes(1);
    expect(await checkpoints.takeRebuildRequest('order-list')).toBe(false);
  });

  it.each<RunnerState>(['standby', 'stopped'])('asks the lease holder through the store when the local runner is %s', async (state) => {
    const { operations, checkpoints, rebuild } = operationsWith(state);
    await expect(operations.rebuild('order-list')).resolves.toEqual({ status: 'requested' });
    expect(rebuild).not.toHaveBeenCalled();
    expect(await checkpoints.takeRebuildRequest('order-list')).toBe(true);
  });
});
