import { randomUUID } from 'node:crypto';
import { NO_STREAM, type AppendToStreamOptions } from '@eventstore/db-client';
import { SNAPSHOT_EVENT_TYPE, snapshotStreamOf } from '../../../src/adapters/eventstoredb';
import { snapshotStoreContract } from '../../contract/snapshot-store.contract';
import { orderStream } from '../../support/new-events';
import { harness, type Harness } from './support';

// The shared SnapshotStore contract, against the adapter over the client double.
snapshotStoreContract('eventstoredb (client double)', async () => {
  const h = harness();
  return { snapshots: h.snapshots, dispose: () => h.close() };
});

describe('EventStoreDB snapshot store over a client double', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  it('keeps each aggregate’s snapshots in "snapshot-<streamId>" with $maxCount 1, set once before the first snapshot', async () => {
    const { streamId } = orderStream();
    await h.snapshots.save({ streamId, revision: 3, stateVersion: 1, state: { n: 3 } });
    await h.snapshots.save({ streamId, revision: 9, stateVersion: 1, state: { n: 9 } });

    const stream = snapshotStreamOf(streamId);
    expect(stream).toBe(`snapshot-${streamId}`);
    expect(h.fake.callsOf('setStreamMetadata').map((call) => call.args.slice(0, 2))).toEqual([[stream, { maxCount: 1 }]]);
    const appends = h.fake.callsOf('appendToStream').map((call) => [call.args[0], (call.args[2] as AppendToStreamOptions).expectedRevision]);
    expect(appends).toEqual([
      [stream, NO_STREAM],
      [stream, 0n],
    ]);
    expect(h.fake.streams.get(stream)?.map((record) => record.type)).toEqual([SNAPSHOT_EVENT_TYPE, SNAPSHOT_EVENT_TYPE]);
  });

  it('a save that races another writer checks again: an older snapshot never replaces the newer one', async () => {
    const { streamId } = orderStream();
    const stream = snapshotStreamOf(streamId);
    // Another process saves revision 12 between our read and our append.
    const setMetadata = h.fake.setStreamMetadata.bind(h.fake);
    jest.spyOn(h.fake, 'setStreamMetadata').mockImplementationOnce(async (...args) => {
      const result = await setMetadata(...args);
      h.fake.store(stream, { id: randomUUID(), type: SNAPSHOT_EVENT_TYPE, data: { streamId, revision: 12, stateVersion: 1, state: { n: 12 } }, metadata: undefined, isJson: true });
      return result;
    });

    await h.snapshots.save({ streamId, revision: 10, stateVersion: 1, state: { n: 10 } });

    expect(await h.snapshots.load(streamId)).toEqual({ streamId, revision: 12, stateVersion: 1, state: { n: 12 } });
    expect(h.fake.callsOf('appendToStream')).toHaveLength(1); // the conflicting append; the second look found a newer snapshot
  });

  it('a snapshot event that is not a snapshot document reads as none, and is replaced by the next save', async () => {
    const { streamId } = orderStream();
    const stream = snapshotStreamOf(streamId);
    h.fake.store(stream, { id: randomUUID(), type: SNAPSHOT_EVENT_TYPE, data: { garbage: true }, metadata: undefined, isJson: true });

    expect(await h.snapshots.load(streamId)).toBeNull();
    await h.snapshots.save({ streamId, revision: 1, stateVersion: 2, state: {} });

    expect(await h.snapshots.load(streamId)).toEqual({ streamId, revision: 1, stateVersion: 2, state: {} });
    expect(h.logger.lines.some((line) => line.level === 'warn')).toBe(true);
  });
});
