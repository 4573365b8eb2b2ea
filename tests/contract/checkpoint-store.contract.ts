import type { CheckpointStore } from '../../src/application/ports';
import { eventually } from '../support/eventually';
import { uniqueName } from './read-model-store.contract';

export interface CheckpointsUnderTest {
  readonly checkpoints: CheckpointStore;
  dispose(): Promise<void>;
}

/** Opens the adapter on storage other tests may share: each test uses fresh projection names. Leases run on real time. */
export type CheckpointStoreFactory = () => Promise<CheckpointsUnderTest>;

const LONG_TTL_MS = 60_000;

export const checkpointStoreContract = (adapterName: string, factory: CheckpointStoreFactory): void => {
  describe(`${adapterName}: CheckpointStore contract`, () => {
    let subject: CheckpointsUnderTest;
    let checkpoints: CheckpointStore;
    beforeEach(async () => {
      subject = await factory();
      checkpoints = subject.checkpoints;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    it('has no checkpoint, lease or rebuild request for a projection it has never seen', async () => {
      const projection = uniqueName('p');

      expect(await checkpoints.load(projection)).toBeNull();
      expect(await checkpoints.leaseOf(projection)).toBeNull();
      expect(await checkpoints.takeRebuildRequest(projection)).toBe(false);
    });

    it('a lease is held by one owner at a time; the holder renews it', async () => {
      const projection = uniqueName('p');
      const before = Date.now();

      expect(await checkpoints.tryAcquireLease(projection, 'owner-a', LONG_TTL_MS)).toBe(true);
      expect(await checkpoints.tryAcquireLease(projection, 'owner-b', LONG_TTL_MS)).toBe(false);
      const lease = await checkpoints.leaseOf(projection);
      expect(lease?.owner).toBe('owner-a');
      expect(Date.parse(lease?.expiresAt ?? '')).toBeGreaterThan(before + LONG_TTL_MS / 2);

      expect(await checkpoints.tryAcquireLease(projection, 'owner-a', LONG_TTL_MS)).toBe(true);
      expect((await checkpoints.leaseOf(projection))?.owner).toBe('owner-a');
    });

    it('renewing moves the expiry', async () => {
      const projection = uniqueName('p');
      await checkpoints.tryAcquireLease(projection, 'owner-a', 1_000);
      const first = Date.parse((await checkpoints.leaseOf(projection))?.expiresAt ?? '');

      expect(await checkpoints.tryAcquireLease(projection, 'owner-a', LONG_TTL_MS)).toBe(true);

      const renewed = Date.parse((await checkpoints.leaseOf(projection))?.expiresAt ?? '');
      expect(renewed).toBeGreaterThan(first + LONG_TTL_MS / 2);
    });

    it('only the holder can release a lease; then another owner can take it', async () => {
      const projection = uniqueName('p');
      await checkpoints.tryAcquireLease(projection, 'owner-a', LONG_TTL_MS);

      await checkpoints.releaseLease(projection, 'owner-b');
      expect((await checkpoints.leaseOf(projection))?.owner).toBe('owner-a');

      await checkpoints.releaseLease(projection, 'owner-a');
      expect(await checkpoints.leaseOf(projection)).toBeNull();
      expect(await checkpoints.tryAcquireLease(projection, 'owner-b', LONG_TTL_MS)).toBe(true);
      expect(await checkpoints.tryAcquireLease(projection, 'owner-a', LONG_TTL_MS)).toBe(false);

      await checkpoints.releaseLease(projection, 'owner-a');
      expect((await checkpoints.leaseOf(projection))?.owner).toBe('owner-b');
    });

    it('an expired lease can be taken over by another owner', async () => {
      const projection = uniqueName('p');
      expect(await checkpoints.tryAcquireLease(projection, 'owner-a', 400)).toBe(true);
      expect(await checkpoints.tryAcquireLease(projection, 'owner-b', LONG_TTL_MS)).toBe(false);

      await eventually(async () => expect(await checkpoints.tryAcquireLease(projection, 'owner-b', LONG_TTL_MS)).toBe(true), {
        timeoutMs: 5_000,
        intervalMs: 50,
      });

      expect((await checkpoints.leaseOf(projection))?.owner).toBe('owner-b');
      expect(await checkpoints.tryAcquireLease(projection, 'owner-a', LONG_TTL_MS)).toBe(false);
    });

    it('of 10 owners racing for a free lease exactly one wins', async () => {
      const projection = uniqueName('p');
      const owners = Array.from({ length: 10 }, (_, i) => `owner-${i}`);

      const results = await Promise.all(owners.map((owner) => checkpoints.tryAcquireLease(projection, owner, LONG_TTL_MS)));

      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await checkpoints.leaseOf(projection))?.owner).toBe(owners[results.indexOf(true)]);
    });

    it('leases of different projections are independent', async () => {
      const [p1, p2] = [uniqueName('p'), uniqueName('p')];

      expect(await checkpoints.tryAcquireLease(p1, 'owner-a', LONG_TTL_MS)).toBe(true);
      expect(await checkpoints.tryAcquireLease(p2, 'owner-b', LONG_TTL_MS)).toBe(true);

      expect((await checkpoints.leaseOf(p1))?.owner).toBe('owner-a');
      expect((await checkpoints.leaseOf(p2))?.owner).toBe('owner-b');
    });

    it('a rebuild request is taken exactly once; repeated requests before the take count once', async () => {
      const [projection, other] = [uniqueName('p'), uniqueName('p')];

      await checkpoints.requestRebuild(projection);
      await checkpoints.requestRebuild(projection);
      expect(await checkpoints.takeRebuildRequest(other)).toBe(false);
      expect(await checkpoints.takeRebuildRequest(projection)).toBe(true);
      expect(await checkpoints.takeRebuildRequest(projection)).toBe(false);

      await checkpoints.requestRebuild(projection);
      expect(await checkpoints.takeRebuildRequest(projection)).toBe(true);
    });

    it('of concurrent takes of one rebuild request exactly one gets it', async () => {
      const projection = uniqueName('p');
      await checkpoints.requestRebuild(projection);

      const taken = await Promise.all(Array.from({ length: 5 }, () => checkpoints.takeRebuildRequest(projection)));

      expect(taken.filter(Boolean)).toHaveLength(1);
    });
  });
};
