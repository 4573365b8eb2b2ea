import { randomUUID } from 'node:crypto';
import { ValidationFailed } from '../../../src/application/ports';
import { createTestApp, seedOrder, TEST_START, uuid, type TestApp } from '../../support/application-fixtures';

const MINUTE = 60_000;

describe('event-store queries', () => {
  let t: TestApp;
  beforeEach(() => {
    t = createTestApp();
  });
  afterEach(() => t.dispose());

  describe('GetOrderHistory', () => {
    it('lists the order’s events with revision, position, stored schema version, data and metadata', async () => {
      const { orderId, customerId } = await seedOrder(t);
      const commandId = randomUUID();
      t.clock.advance(MINUTE);
      const submitted = await t.send('SubmitOrder', { orderId }, { commandId, correlationId: 'corr-9', actor: 'user:ada' });

      const history = await t.app.queries.execute('GetOrderHistory', { orderId });

      expect(history?.map((e) => [e.type, e.revision])).toEqual([
        ['OrderCreated', 0],
        ['OrderItemAdded', 1],
        ['OrderSubmitted', 2],
      ]);
      expect(history?.[0]).toMatchObject({ data: { orderId, customerId, currency: 'EUR' }, schemaVersion: 1 });
      const submittedAt = new Date(Date.parse(TEST_START) + MINUTE).toISOString();
      expect(history?.[2]).toEqual({
        eventId: expect.any(String),
        revision: 2,
        position: submitted.position,
        type: 'OrderSubmitted',
        schemaVersion: 1,
        data: { orderId, total: { amount: 2500, currency: 'EUR' } },
        metadata: { correlationId: 'corr-9', causationId: commandId, actor: 'user:ada', occurredAt: submittedAt },
        occurredAt: submittedAt,
      });
    });

    it('shows an event stored in an old schema version upcast, with the version it was stored with', async () => {
      const { orderId, productId } = await seedOrder(t);
      t.memoryEventStore.importStored([
        {
          streamId: `order-${orderId}`,
          eventId: randomUUID(),
          type: 'OrderItemAdded',
          data: { orderId, productId: uuid(), productName: 'Descaler', quantity: 2, price: 1.005 },
          metadata: { correlationId: 'c', causationId: 'c', actor: 'import', occurredAt: '2023-03-14T09:28:53.514Z', schemaVersion: 1 },
        },
      ]);

      const history = await t.app.queries.execute('GetOrderHistory', { orderId });

      expect(history?.[1]).toMatchObject({ type: 'OrderItemAdded', schemaVersion: 2, data: { productId } });
      expect(history?.[2]).toMatchObject({
        type: 'OrderItemAdded',
        revision: 2,
        schemaVersion: 1,
        data: { orderId, productName: 'Descaler', quantity: 2, unitPrice: { amount: 101, currency: 'EUR' } },
      });
      expect(history?.[2]?.data).not.toHaveProperty('price');
    });

    it('is null for an order that does not exist', async () => {
      expect(await t.app.queries.execute('GetOrderHistory', { orderId: uuid() })).toBeNull();
    });
  });

  describe('GetOrderState (temporal)', () => {
    /** An order submitted, then paid, a minute apart: revisions 0 (created) … 3 (paid). */
    const timeline = async () => {
      const { orderId } = await seedOrder(t);
      t.clock.advance(MINUTE);
      await t.send('SubmitOrder', { orderId });
      t.clock.advance(MINUTE);
      await t.send('ConfirmPayment', { orderId, amount: { amount: 2500, currency: 'EUR' } });
      return orderId;
    };

    it('folds the order as of a revision', async () => {
      const orderId = await timeline();
      expect(await t.app.queries.execute('GetOrderState', { orderId, revision: 0 })).toEqual({
        revision: 0,
        state: { status: 'draft', orderId, customerId: expect.any(String), currency: 'EUR', items: [] },
      });
      expect(await t.app.queries.execute('GetOrderState', { orderId, revision: 2 })).toMatchObject({
        revision: 2,
        state: { status: 'submitted', total: { amount: 2500, currency: 'EUR' }, items: [expect.objectContaining({ quantity: 2 })] },
      });
      expect(await t.app.queries.execute('GetOrderState', { orderId, revision: 3 })).toMatchObject({ revision: 3, state: { status: 'paid' } });
    });

    it('has no state at a revision the order has not reached, or for an unknown order', async () => {
      const orderId = await timeline();
      expect(await t.app.queries.execute('GetOrderState', { orderId, revision: 4 })).toBeNull();
      expect(await t.app.queries.execute('GetOrderState', { orderId: uuid(), revision: 0 })).toBeNull();
    });

    it('folds the order as of a time: every event that happened at or before it', async () => {
      const orderId = await timeline();
      const at = (offset: number) => new Date(Date.parse(TEST_START) + offset).toISOString();
      expect(await t.app.queries.execute('GetOrderState', { orderId, at: at(0) })).toMatchObject({ revision: 1, state: { status: 'draft' } });
      expect(await t.app.queries.execute('GetOrderState', { orderId, at: at(MINUTE + 1) })).toMatchObject({ revision: 2, state: { status: 'submitted' } });
      expect(await t.app.queries.execute('GetOrderState', { orderId, at: at(2 * MINUTE) })).toMatchObject({ revision: 3, state: { status: 'paid' } });
      expect(await t.app.queries.execute('GetOrderState', { orderId, at: at(-1) })).toBeNull();
    });

    it('as of a time, stops at the first later event even when a writer’s clock lagged behind', async () => {
      const { orderId, productId } = await seedOrder(t); // created and item added at TEST_START
      t.clock.advance(2 * MINUTE);
      await t.send('RemoveItem', { orderId, productId });
      t.clock.advance(-MINUTE); // another writer, its clock a minute behind
      await t.send('CancelOrder', { orderId, reason: 'Out of stock' });

      const asOf = await t.app.queries.execute('GetOrderState', { orderId, at: new Date(Date.parse(TEST_START) + 90_000).toISOString() });

      // Not created + item + cancelled (skipping the removal): the state as the stream was before the removal.
      expect(asOf).toMatchObject({ revision: 1, state: { status: 'draft', items: [expect.objectContaining({ quantity: 2 })] } });
    });

    it.each([
      ['neither revision nor time', {}],
      ['both a revision and a time', { revision: 1, at: TEST_START }],
      ['a time that is not a date-time', { at: 'last tuesday' }],
      ['a negative revision', { revision: -2 }],
      ['a fractional revision', { revision: 1.5 }],
    ])('refuses %s with ValidationFailed', async (_case, params) => {
      const orderId = await timeline();
      await expect(t.app.queries.execute('GetOrderState', { orderId, ...params })).rejects.toBeInstanceOf(ValidationFailed);
    });
  });
});
