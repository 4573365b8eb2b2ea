import type { ParkedEvent, ParkedEventStore } from '../../src/application/ports';
import { uniqueName } from './read-model-store.contract';

export interface ParkedEventsUnderTest {
  readonly parked: ParkedEventStore;
  dispose(): Promise<void>;
}

/** Opens the adapter on storage other tests may share: each test uses fresh projection names and ids. */
export type ParkedEventStoreFactory = () => Promise<ParkedEventsUnderTest>;

const parkedEvent = (projection: string, id: string, parkedAt: string, overrides: Partial<ParkedEvent> = {}): ParkedEvent => ({
  id,
  projection,
  eventId: `${id}-event`,
  streamId: `order-${id}`,
  revision: 3,
  position: '10/10',
  type: 'OrderItemAdded',
  error: 'TypeError: cannot read properties of undefined',
  attempts: 5,
  parkedAt,
  ...overrides,
});

const at = (second: number) => `2024-03-01T10:00:${String(second).padStart(2, '0')}.000Z`;

export const parkedEventStoreContract = (adapterName: string, factory: ParkedEventStoreFactory): void => {
  describe(`${adapterName}: ParkedEventStore contract`, () => {
    let subject: ParkedEventsUnderTest;
    let parked: ParkedEventStore;
    beforeEach(async () => {
      subject = await factory();
      parked = subject.parked;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    it('get of an unknown id is null; removing it does nothing', async () => {
      const projection = uniqueName('p');
      await parked.park(parkedEvent(projection, uniqueName('kept'), at(1)));

      expect(await parked.get(uniqueName('unknown'))).toBeNull();
      await parked.remove(uniqueName('unknown'));
      expect(await parked.count(projection)).toBe(1);
    });

    it('get returns the parked event as it was parked', async () => {
      const event = parkedEvent(uniqueName('p'), uniqueName('id'), at(1), { position: '18446744073709551615', revision: 0 });

      await parked.park(event);

      expect(await parked.get(event.id)).toEqual(event);
    });

    it('parking is idempotent on the id', async () => {
      const projection = uniqueName('p');
      const event = parkedEvent(projection, uniqueName('id'), at(1));

      await parked.park(event);
      await parked.park(event);

      expect(await parked.count(projection)).toBe(1);
      expect(await parked.list({ projection, limit: 10 })).toEqual([event]);
    });

    it('lists oldest first (parkedAt, then id), whatever the parking order, up to the limit', async () => {
      const projection = uniqueName('p');
      const other = uniqueName('p');
      const events = [
        parkedEvent(projection, `${projection}-c`, at(3)),
        parkedEvent(projection, `${projection}-a`, at(1)),
        parkedEvent(other, `${other}-x`, at(0)),
        parkedEvent(projection, `${projection}-e`, at(2)),
        parkedEvent(projection, `${projection}-d`, at(2)),
      ];
      for (const event of events) await parked.park(event);
      const ids = async (limit: number) => (await parked.list({ projection, limit })).map((event) => event.id);

      expect(await ids(10)).toEqual([`${projection}-a`, `${projection}-d`, `${projection}-e`, `${projection}-c`]);
      expect(await ids(2)).toEqual([`${projection}-a`, `${projection}-d`]);
      expect(await parked.list({ projection: other, limit: 10 })).toEqual([events[2]]);
    });

    it('lists every projection when none is given', async () => {
      const [p1, p2] = [uniqueName('p'), uniqueName('p')];
      const total = await parked.count();
      await parked.park(parkedEvent(p1, `${p1}-1`, at(1)));
      await parked.park(parkedEvent(p2, `${p2}-1`, at(2)));

      const all = await parked.list({ limit: total + 10 });

      expect(all).toHaveLength(total + 2);
      const ours = all.map((event) => event.id).filter((id) => id.startsWith(p1) || id.startsWith(p2));
      expect(ours).toEqual([`${p1}-1`, `${p2}-1`]);
    });

    it('counts per projection and in total; remove takes one event out', async () => {
      const [p1, p2] = [uniqueName('p'), uniqueName('p')];
      const total = await parked.count();
      await parked.park(parkedEvent(p1, `${p1}-1`, at(1)));
      await parked.park(parkedEvent(p1, `${p1}-2`, at(2)));
      await parked.park(parkedEvent(p2, `${p2}-1`, at(3)));

      expect(await parked.count(p1)).toBe(2);
      expect(await parked.count(p2)).toBe(1);
      expect(await parked.count()).toBe(total + 3);

      await parked.remove(`${p1}-1`);

      expect(await parked.get(`${p1}-1`)).toBeNull();
      expect(await parked.count(p1)).toBe(1);
      expect(await parked.count()).toBe(total + 2);
      expect((await parked.list({ projection: p1, limit: 10 })).map((event) => event.id)).toEqual([`${p1}-2`]);
    });

    it('parked events are copied in and out', async () => {
      const projection = uniqueName('p');
      const event = { ...parkedEvent(projection, uniqueName('id'), at(1)) };
      await parked.park(event);
      (event as { error: string }).error = 'changed';

      const loaded = await parked.get(event.id);
      (loaded as { error: string }).error = 'changed again';
      const listed = await parked.list({ projection, limit: 1 });
      (listed[0] as { attempts: number }).attempts = 99;

      expect(await parked.get(event.id)).toMatchObject({ error: 'TypeError: cannot read properties of undefined', attempts: 5 });
    });
  });
};
