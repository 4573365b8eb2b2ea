import { uuidV5 } from '../../../src/adapters/runtime/uuid-id-generator';
import { ConcurrencyError, StoreUnavailable } from '../../../src/application/ports';
import { streams } from '../../../src/application/streams';
import { CustomerAlreadyRegistered, EmailAlreadyInUse, InvalidValue } from '../../../src/domain';
import { createTestApp, uuid, type TestApp } from '../../support/application-fixtures';
import { gate, InstrumentedEventStore } from '../../support/instrumented-ports';

/** The reservation stream of an email, as the handlers name it: UUIDv5 of the normalized email. */
const reservationStream = (email: string) => streams.emailReservation(uuidV5(`email:${email.trim().toLowerCase()}`));

/** Makes the next append to a customer stream fail, as a store outage after the reservation was written. */
const failCustomerStreamOnce = () => {
  let failed = false;
  return async ({ streamId }: { streamId: string }) => {
    if (!failed && streamId.startsWith('customer-')) {
      failed = true;
      throw new StoreUnavailable('test store', 'customer stream down');
    }
  };
};

describe('email uniqueness through reservation streams', () => {
  let t: TestApp;
  let store: InstrumentedEventStore;
  beforeEach(() => {
    t = createTestApp({ wrapEventStore: (memory) => (store = new InstrumentedEventStore(memory)) });
  });
  afterEach(() => t.dispose());

  const register = (customerId: string, email: string, name = 'Ada', context = {}) => t.send('RegisterCustomer', { customerId, name, email }, context);
  const reservation = async (email: string) => (await t.memoryEventStore.readStream(reservationStream(email))).map(({ type, data }) => ({ type, data }));

  it('reserves the email in its own stream, appended with no_stream, without reading any read model', async () => {
    const customerId = uuid();
    await register(customerId, 'ada@example.com');

    expect(store.appendsTo('customeremail-')).toEqual([expect.objectContaining({ streamId: reservationStream('ada@example.com'), expected: 'no_stream' })]);
    expect(await reservation('ada@example.com')).toEqual([{ type: 'EmailReserved', data: { email: 'ada@example.com', customerId } }]);
    expect(t.documents.collections.size).toBe(0);
  });

  it('refuses an email another customer holds, whatever its case, and writes no customer', async () => {
    await register(uuid(), 'ada@example.com');
    const other = uuid();

    await expect(register(other, ' ADA@Example.COM ')).rejects.toBeInstanceOf(EmailAlreadyInUse);

    expect(await t.memoryEventStore.readStream(streams.customer(other))).toEqual([]);
    expect(await reservation('ada@example.com')).toHaveLength(1);
  });

  it('lets different emails register', async () => {
    await register(uuid(), 'ada@example.com');
    await expect(register(uuid(), 'grace@example.com')).resolves.toMatchObject({ appended: 1 });
  });

  it('refuses a registration the domain or If-Match would refuse before reserving: nothing is written', async () => {
    const customerId = uuid();
    // A blank name passes the schema (minLength 1) but not the domain.
    await expect(register(customerId, 'ada@example.com', '   ')).rejects.toBeInstanceOf(InvalidValue);
    await expect(register(customerId, 'ada@example.com', 'Ada', { expectedRevision: 3 })).rejects.toBeInstanceOf(ConcurrencyError);

    expect(await reservation('ada@example.com')).toEqual([]);
    expect(await t.memoryEventStore.headPosition()).toBeNull();
    await expect(register(uuid(), 'ada@example.com')).resolves.toMatchObject({ appended: 1 });
  });

  it('releases the reservation when the customer stream fails after reserving', async () => {
    const customerId = uuid();
    store.beforeAppend = failCustomerStreamOnce();
    await expect(register(customerId, 'ada@example.com')).rejects.toBeInstanceOf(StoreUnavailable);

    expect(await reservation('ada@example.com')).toEqual([
      { type: 'EmailReserved', data: { email: 'ada@example.com', customerId } },
      { type: 'EmailReleased', data: { email: 'ada@example.com', customerId } },
    ]);
    await expect(register(uuid(), 'ada@example.com')).resolves.toMatchObject({ appended: 1 });
  });

  it('refuses an email change with a stale If-Match before reserving the new email', async () => {
    const customerId = uuid();
    await register(customerId, 'ada@example.com');
    await expect(t.send('ChangeCustomerEmail', { customerId, email: 'ada@king.org' }, { expectedRevision: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await reservation('ada@king.org')).toEqual([]);
  });

  it('answers a retried RegisterCustomer (same command id) like the first time, appending nothing', async () => {
    const customerId = uuid();
    const commandId = uuid();
    const first = await register(customerId, 'ada@example.com', 'Ada', { commandId });
    const appendsBefore = (await t.memoryEventStore.headPosition()) as string;

    const again = await register(customerId, 'ada@example.com', 'Ada', { commandId });

    expect(again).toEqual({ ...first, appended: 0 });
    expect(await t.memoryEventStore.headPosition()).toBe(appendsBefore);
  });

  it('answers a late retry of RegisterCustomer like the first time, even after the customer changed email, reserving nothing', async () => {
    const customerId = uuid();
    const commandId = uuid();
    const first = await register(customerId, 'ada@example.com', 'Ada', { commandId });
    await t.send('ChangeCustomerEmail', { customerId, email: 'ada@king.org' });
    await t.send('RenameCustomer', { customerId, name: 'Ada King' });

    const again = await register(customerId, 'ada@example.com', 'Ada', { commandId });

    expect(again).toEqual({ ...first, appended: 0 });
    // The old email stays free for others.
    await expect(register(uuid(), 'ada@example.com')).resolves.toMatchObject({ appended: 1 });
  });

  it('refuses a second registration of the same customer with another command', async () => {
    const customerId = uuid();
    await register(customerId, 'ada@example.com');
    await expect(register(customerId, 'ada@example.com')).rejects.toBeInstanceOf(CustomerAlreadyRegistered);
    await expect(register(customerId, 'other@example.com')).rejects.toBeInstanceOf(CustomerAlreadyRegistered);
    // Neither attempt touched the reservation of the customer's email.
    expect(await reservation('ada@example.com')).toHaveLength(1);
    expect(await reservation('other@example.com')).toEqual([]);
  });

  it('a retried registration that failed the first time reserves again, so the email stays unique', async () => {
    const customerId = uuid();
    const commandId = uuid();
    // The first attempt reserves, then fails on the customer stream and releases.
    store.beforeAppend = failCustomerStreamOnce();
    await expect(register(customerId, 'ada@example.com', 'Ada', { commandId })).rejects.toBeInstanceOf(StoreUnavailable);
    // The client retries the same command.
    await register(customerId, 'ada@example.com', 'Ada', { commandId });

    await expect(register(uuid(), 'ada@example.com')).rejects.toBeInstanceOf(EmailAlreadyInUse);
    expect((await reservation('ada@example.com')).map((e) => e.type)).toEqual(['EmailReserved', 'EmailReleased', 'EmailReserved']);
  });

  it('of two concurrent registrations with the same email, exactly one succeeds', async () => {
    // Hold the first reservation append until the second one arrives, so both decide on an empty stream.
    const bothArrived = gate();
    let arrived = 0;
    store.beforeAppend = async (call) => {
      if (!call.streamId.startsWith('customeremail-')) return;
      arrived++;
      if (arrived === 2) bothArrived.open();
      await bothArrived.promise;
    };
    const [a, b] = [uuid(), uuid()];

    const outcomes = await Promise.allSettled([register(a, 'ada@example.com'), register(b, 'Ada@example.com')]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(EmailAlreadyInUse);
    const winner = outcomes[0]?.status === 'fulfilled' ? a : b;
    expect(await reservation('ada@example.com')).toEqual([{ type: 'EmailReserved', data: { email: 'ada@example.com', customerId: winner } }]);
    const registered = await Promise.all([a, b].map(async (id) => (await t.memoryEventStore.readStream(streams.customer(id))).length));
    expect(registered.sort()).toEqual([0, 1]);
    // The loser's reservation conflicted on no_stream, then saw the winner's reservation.
    expect(store.appendsTo('customeremail-').map((call) => call.expected)).toEqual(['no_stream', 'no_stream']);
  });

  describe('ChangeCustomerEmail', () => {
    it('reserves the new email, then releases the old one', async () => {
      const customerId = uuid();
      await register(customerId, 'ada@example.com');
      await t.send('ChangeCustomerEmail', { customerId, email: 'Ada@King.org' });

      expect(await reservation('ada@king.org')).toEqual([{ type: 'EmailReserved', data: { email: 'ada@king.org', customerId } }]);
      expect((await reservation('ada@example.com')).map((e) => e.type)).toEqual(['EmailReserved', 'EmailReleased']);
      await expect(register(uuid(), 'ada@example.com')).resolves.toMatchObject({ appended: 1 });
      await expect(register(uuid(), 'ADA@king.org')).rejects.toBeInstanceOf(EmailAlreadyInUse);
    });

    it('a late retry of an earlier change leaves no reservation behind', async () => {
      const customerId = uuid();
      await register(customerId, 'ada@example.com');
      const first = t.context();
      await t.send('ChangeCustomerEmail', { customerId, email: 'ada@king.org' }, first);
      await t.send('ChangeCustomerEmail', { customerId, email: 'ada@byron.net' });

      const again = await t.send('ChangeCustomerEmail', { customerId, email: 'ada@king.org' }, first);

      expect(again.appended).toBe(0);
      expect((await t.memoryEventStore.readStream(streams.customer(customerId))).at(-1)?.data).toMatchObject({ email: 'ada@byron.net' });
      // ada@king.org is free again: the retry must not have taken it back for a customer who no longer uses it.
      await expect(register(uuid(), 'ada@king.org')).resolves.toMatchObject({ appended: 1 });
    });

    it('refuses an email another customer holds and keeps the old one', async () => {
      const customerId = uuid();
      await register(customerId, 'ada@example.com');
      await register(uuid(), 'grace@example.com');

      await expect(t.send('ChangeCustomerEmail', { customerId, email: 'grace@example.com' })).rejects.toBeInstanceOf(EmailAlreadyInUse);

      expect(await reservation('ada@example.com')).toHaveLength(1);
      expect((await t.memoryEventStore.readStream(streams.customer(customerId))).map((e) => e.type)).toEqual(['CustomerRegistered']);
    });

    it('changing to the same email (any case) touches no reservation', async () => {
      const customerId = uuid();
      await register(customerId, 'ada@example.com');
      const result = await t.send('ChangeCustomerEmail', { customerId, email: 'ADA@example.com' });
      expect(result.appended).toBe(0);
      expect(store.appendsTo('customeremail-')).toHaveLength(1);
    });

    it('releases the newly reserved email when the change fails', async () => {
      const customerId = uuid();
      await register(customerId, 'ada@example.com');
      store.beforeAppend = failCustomerStreamOnce();
      await expect(t.send('ChangeCustomerEmail', { customerId, email: 'ada@king.org' })).rejects.toBeInstanceOf(StoreUnavailable);

      expect((await reservation('ada@king.org')).map((e) => e.type)).toEqual(['EmailReserved', 'EmailReleased']);
      expect(await reservation('ada@example.com')).toHaveLength(1);
      await expect(register(uuid(), 'ada@king.org')).resolves.toMatchObject({ appended: 1 });
    });
  });
});
