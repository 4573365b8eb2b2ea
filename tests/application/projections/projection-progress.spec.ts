import { MemoryCheckpointStore } from '../../../src/adapters/memory/memory-checkpoint-store';
import { MemoryDocuments } from '../../../src/adapters/memory/memory-documents';
import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import { NotYetConsistent } from '../../../src/application/ports';
import { ProjectionProgress } from '../../../src/application/projections/projection-progress';
import { createTestApp, seedOrder } from '../../support/application-fixtures';
import { within } from '../../support/eventually';

const setup = (pollMs?: number) => {
  const documents = new MemoryDocuments();
  const readModels = new MemoryReadModelStore(documents);
  const progress = new ProjectionProgress(new MemoryCheckpointStore(documents), pollMs);
  const checkpoint = (position: string) => readModels.commit([], { projection: 'order-list', position });
  return { progress, checkpoint };
};

describe('ProjectionProgress (read-your-writes)', () => {
  it('reached() compares the stored checkpoint with a position, in either position form', async () => {
    const { progress, checkpoint } = setup();
    expect(await progress.reached('order-list', '1')).toBe(false);
    await checkpoint('10/8');
    expect(await progress.reached('order-list', '10/8')).toBe(true);
    expect(await progress.reached('order-list', '9')).toBe(true);
    expect(await progress.reached('order-list', '10')).toBe(false); // 10 reads as 10/10, after 10/8
  });

  it('waitFor resolves at once when the projection is already there', async () => {
    const { progress, checkpoint } = setup(60_000);
    await checkpoint('5');
    await within(progress.waitFor('order-list', '5', 1_000), 200, 'waitFor');
  });

  it('waitFor resolves as soon as a runner in this process signals the advance', async () => {
    const { progress, checkpoint } = setup(60_000); // polling alone would take a minute
    const waiting = progress.waitFor('order-list', '7', 5_000);
    await checkpoint('6');
    progress.advanced('order-list');
    await checkpoint('7');
    progress.advanced('order-list');
    await within(waiting, 1_000, 'waitFor');
  });

  it('waitFor sees a checkpoint another process wrote by polling', async () => {
    const { progress, checkpoint } = setup(5);
    const waiting = progress.waitFor('order-list', '3', 5_000);
    await checkpoint('3'); // no signal: another process committed it
    await within(waiting, 1_000, 'waitFor');
  });

  it('waitFor gives up after the timeout with NotYetConsistent and a Retry-After in seconds', async () => {
    const { progress, checkpoint } = setup(5);
    await checkpoint('2');
    const started = Date.now();
    const error = await progress.waitFor('order-list', '3', 60).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(error).toBeInstanceOf(NotYetConsistent);
    expect(error).toMatchObject({ projection: 'order-list', position: '3', retryAfterSeconds: 1 });
  });

  it('the Retry-After grows with the allowed wait', async () => {
    const { progress } = setup(5);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const error = progress.waitFor('order-list', '3', 2_500).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(3_000);
      expect(await error).toMatchObject({ retryAfterSeconds: 3 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('an application waits for its own runners: each projection reaches the position a command returned', async () => {
    const t = createTestApp();
    try {
      t.start();
      const { last } = await seedOrder(t);
      for (const name of ['order-list', 'order-details', 'customer-view', 'daily-sales', 'order-search']) {
        await t.app.progress.waitFor(name, last.position as string, 2_000);
      }
      expect(t.collection('order_details').size).toBe(1);
    } finally {
      await t.dispose();
    }
  });
});
