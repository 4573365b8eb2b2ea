import { internalCollections } from '../../../src/adapters/mongodb/mongo-collections';
import { leaseUpdate, MongoCheckpointStore } from '../../../src/adapters/mongodb/mongo-checkpoint-store';
import { DriverDouble, serverError } from './driver-double';

const LEASES = internalCollections.leases;
const CHECKPOINTS = internalCollections.checkpoints;

const open = () => {
  const double = new DriverDouble();
  return { double, checkpoints: new MongoCheckpointStore(double.db) };
};

describe('MongoCheckpointStore (driver double)', () => {
  it('loads the checkpoint a commit wrote', async () => {
    const { double, checkpoints } = open();
    double.on(CHECKPOINTS, 'findOne', async () => ({ _id: 'p', position: '12/10' }));

    expect(await checkpoints.load('p')).toBe('12/10');
    expect(double.callsTo('findOne', CHECKPOINTS)[0]?.args).toEqual([{ _id: 'p' }, { projection: { position: 1 } }]);
  });

  describe('lease', () => {
    it('is one findOneAndUpdate upsert on the projection id; the server decides with its own clock who holds it', async () => {
      const { double, checkpoints } = open();
      double.on(LEASES, 'findOneAndUpdate', async () => ({ _id: 'p', owner: 'a' }));

      expect(await checkpoints.tryAcquireLease('p', 'a', 15_000)).toBe(true);
      expect(double.callsTo('findOneAndUpdate', LEASES)[0]?.args).toEqual([
        { _id: 'p' },
        leaseUpdate('a', 15_000),
        { upsert: true, returnDocument: 'after', projection: { owner: 1 } },
      ]);
    });

    it('the update takes the lease for its holder, or when free or expired ($$NOW), and keeps it otherwise', () => {
      const takes = { $or: [{ $eq: ['$owner', { $literal: 'a' }] }, { $not: [{ $gt: ['$expiresAt', '$$NOW'] }] }] };

      expect(leaseUpdate('a', 400)).toEqual([
        {
          $set: {
            owner: { $cond: [takes, { $literal: 'a' }, '$owner'] },
            expiresAt: { $cond: [takes, { $add: ['$$NOW', 400] }, '$expiresAt'] },
          },
        },
      ]);
    });

    it('no $expr in the filter of the upsert (MongoDB refuses it)', async () => {
      const { double, checkpoints } = open();

      await checkpoints.tryAcquireLease('p', 'a', 1_000);

      expect(JSON.stringify(double.callsTo('findOneAndUpdate', LEASES)[0]?.args[0])).not.toContain('$expr');
    });

    it('another owner in the returned document means the lease is taken', async () => {
      const { double, checkpoints } = open();
      double.on(LEASES, 'findOneAndUpdate', async () => ({ _id: 'p', owner: 'b' }));

      expect(await checkpoints.tryAcquireLease('p', 'a', 1_000)).toBe(false);
    });

    it('an upsert that lost the insert race (E11000) is a lease held by someone else', async () => {
      const { double, checkpoints } = open();
      double.on(LEASES, 'findOneAndUpdate', () => Promise.reject(serverError(11000, 'E11000 duplicate key error')));

      expect(await checkpoints.tryAcquireLease('p', 'a', 1_000)).toBe(false);
    });

    it('other errors are errors; a bad ttl is refused before any call', async () => {
      const { double, checkpoints } = open();
      double.on(LEASES, 'findOneAndUpdate', () => Promise.reject(serverError(2, 'BadValue')));

      await expect(checkpoints.tryAcquireLease('p', 'a', 1_000)).rejects.toThrow('BadValue');
      await expect(checkpoints.tryAcquireLease('p', 'a', 0)).rejects.toThrow(RangeError);
      expect(double.callsTo('findOneAndUpdate')).toHaveLength(1);
    });

    it('release unsets the lease of its holder only', async () => {
      const { double, checkpoints } = open();

      await checkpoints.releaseLease('p', 'a');

      expect(double.callsTo('updateOne', LEASES)[0]?.args).toEqual([{ _id: 'p', owner: 'a' }, { $unset: { owner: '', expiresAt: '' } }]);
    });

    it('leaseOf reports an unexpired lease (server clock) with an ISO expiry', async () => {
      const { double, checkpoints } = open();
      double.on(LEASES, 'findOne', async () => ({ _id: 'p', owner: 'a', expiresAt: new Date('2024-01-01T00:00:15.000Z') }), async () => null);

      expect(await checkpoints.leaseOf('p')).toEqual({ owner: 'a', expiresAt: '2024-01-01T00:00:15.000Z' });
      expect(await checkpoints.leaseOf('p')).toBeNull();
      expect(double.callsTo('findOne', LEASES)[0]?.args[0]).toEqual({ _id: 'p', owner: { $exists: true }, $expr: { $gt: ['$expiresAt', '$$NOW'] } });
    });
  });

  describe('rebuild requests', () => {
    it('a request sets a flag; a take clears it atomically and reports whether it was there', async () => {
      const { double, checkpoints } = open();
      double.on(LEASES, 'findOneAndUpdate', async () => ({ _id: 'p' }), async () => null);

      await checkpoints.requestRebuild('p');
      expect(await checkpoints.takeRebuildRequest('p')).toBe(true);
      expect(await checkpoints.takeRebuildRequest('p')).toBe(false);

      expect(double.callsTo('updateOne', LEASES)[0]?.args).toEqual([{ _id: 'p' }, { $set: { rebuildRequested: true } }, { upsert: true }]);
      expect(double.callsTo('findOneAndUpdate', LEASES)[0]?.args).toEqual([{ _id: 'p', rebuildRequested: true }, { $unset: { rebuildRequested: '' } }, { projection: { _id: 1 } }]);
    });
  });
});
