import type { Snapshot, SnapshotStore } from '../../src/application/ports';
import { uniqueName } from './read-model-store.contract';

export interface SnapshotsUnderTest {
  readonly snapshots: SnapshotStore;
  dispose(): Promise<void>;
}

/** Opens the adapter on storage other tests may share: each test uses fresh stream ids. */
export type SnapshotStoreFactory = () => Promise<SnapshotsUnderTest>;

const snapshot = (streamId: string, revision: number, stateVersion = 1, state: unknown = { revision }): Snapshot => ({
  streamId,
  revision,
  stateVersion,
  state,
});

export const snapshotStoreContract = (adapterName: string, factory: SnapshotStoreFactory): void => {
  describe(`${adapterName}: SnapshotStore contract`, () => {
    let subject: SnapshotsUnderTest;
    let snapshots: SnapshotStore;
    beforeEach(async () => {
      subject = await factory();
      snapshots = subject.snapshots;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    it('has no snapshot for an unknown stream', async () => {
      expect(await snapshots.load(uniqueName('order'))).toBeNull();
    });

    it('loads what it saved', async () => {
      const streamId = uniqueName('order');
      const state = { status: 'submitted', items: [{ productId: 'p1', quantity: 2, price: { amount: 1999, currency: 'EUR' } }], note: null };

      await snapshots.save(snapshot(streamId, 7, 3, state));

      expect(await snapshots.load(streamId)).toEqual({ streamId, revision: 7, stateVersion: 3, state });
    });

    it('keeps the newest snapshot: a newer revision replaces, an older one is ignored (9 < 10)', async () => {
      const streamId = uniqueName('order');
      await snapshots.save(snapshot(streamId, 9));
      await snapshots.save(snapshot(streamId, 10));
      expect((await snapshots.load(streamId))?.revision).toBe(10);

      await snapshots.save(snapshot(streamId, 9));
      await snapshots.save(snapshot(streamId, 2));

      expect(await snapshots.load(streamId)).toEqual(snapshot(streamId, 10));
    });

    it('a snapshot of the same revision replaces the stored one (a new stateVersion re-snapshots it)', async () => {
      const streamId = uniqueName('order');
      await snapshots.save(snapshot(streamId, 4, 1, { shape: 'old' }));

      await snapshots.save(snapshot(streamId, 4, 2, { shape: 'new' }));

      expect(await snapshots.load(streamId)).toEqual(snapshot(streamId, 4, 2, { shape: 'new' }));
    });

    it('keeps one snapshot per stream', async () => {
      const [a, b] = [uniqueName('order'), uniqueName('order')];
      await snapshots.save(snapshot(a, 5, 1, { of: 'a' }));
      await snapshots.save(snapshot(b, 1, 1, { of: 'b' }));

      expect(await snapshots.load(a)).toEqual(snapshot(a, 5, 1, { of: 'a' }));
      expect(await snapshots.load(b)).toEqual(snapshot(b, 1, 1, { of: 'b' }));
    });

    it('snapshots are copied in and out', async () => {
      const streamId = uniqueName('order');
      const state = { items: [{ quantity: 1 }] };
      await snapshots.save(snapshot(streamId, 1, 1, state));
      state.items[0]!.quantity = 99;

      const loaded = await snapshots.load(streamId);
      (loaded?.state as typeof state).items[0]!.quantity = 42;

      expect((await snapshots.load(streamId))?.state).toEqual({ items: [{ quantity: 1 }] });
    });
  });
};
