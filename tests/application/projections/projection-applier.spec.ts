import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import { ProjectionApplier } from '../../../src/application/projections/projection-applier';
import { customerViewProjection } from '../../../src/application/projections/customer-view.projection';
import { orderListProjection } from '../../../src/application/projections/order-list.projection';
import type { AnyProjection } from '../../../src/application/projections/projection';
import { collections } from '../../../src/application/projections/read-models';
import { CUSTOMER_ID, ORDER_ID, customerRegistered, itemAdded, orderCreated, orderSubmitted } from '../../support/domain-fixtures';
import { recordedLog } from '../../support/recorded-events';

const rethrow = async ({ error }: { error: Error }) => {
  throw error;
};

const target = { collection: collections.orderList, referenceCollection: collections.orderListCustomers };

describe('ProjectionApplier', () => {
  it('folds a run of events into one guarded put per document, using references written earlier in the run', async () => {
    const store = new MemoryReadModelStore();
    const log = recordedLog([customerRegistered(), orderCreated(), itemAdded(), orderSubmitted()]);

    const writes = await new ProjectionApplier(orderListProjection, store, target).plan(log, rethrow);

    expect(writes).toEqual([
      { kind: 'put', collection: collections.orderListCustomers, id: CUSTOMER_ID, data: { name: 'Ada Lovelace' }, position: '1' },
      { kind: 'put', collection: collections.orderList, id: ORDER_ID, data: expect.objectContaining({ customerName: 'Ada Lovelace', status: 'submitted', itemCount: 2 }), position: '4' },
    ]);
  });

  it('skips events at or below the position a document already has', async () => {
    const store = new MemoryReadModelStore();
    const log = recordedLog([customerRegistered(), orderCreated(), itemAdded(), orderSubmitted()]);
    const applier = new ProjectionApplier(orderListProjection, store, target);
    await store.commit(await applier.plan(log.slice(0, 3), rethrow), null);

    const replayed = await applier.plan(log, rethrow);

    // Only the submission is new; the customer name and the order up to the item are not applied twice.
    expect(replayed).toEqual([
      { kind: 'put', collection: collections.orderList, id: ORDER_ID, data: expect.objectContaining({ status: 'submitted', itemCount: 2 }), position: '4' },
    ]);
  });

  it('deletes a document its projection returns null for', async () => {
    const store = new MemoryReadModelStore();
    const deleting: AnyProjection = { ...customerViewProjection, evolve: (doc, event) => (event.type === 'OrderCreated' ? null : customerViewProjection.evolve(doc, event, null)) };
    const applier = new ProjectionApplier(deleting, store, { collection: collections.customerView, referenceCollection: null });
    const log = recordedLog([customerRegistered(), orderCreated()]);
    await store.commit(await applier.plan(log.slice(0, 1), rethrow), null);

    const writes = await applier.plan(log.slice(1), rethrow);

    expect(writes).toEqual([{ kind: 'delete', collection: collections.customerView, id: CUSTOMER_ID, position: '2' }]);
  });

  it('lets the caller decide about an event the projection throws for; the others still apply', async () => {
    const store = new MemoryReadModelStore();
    const failing: AnyProjection = {
      ...orderListProjection,
      evolve: (doc, event, ref) => {
        if (event.type === 'OrderItemAdded') throw new Error('boom');
        return orderListProjection.evolve(doc, event, ref);
      },
    };
    const failures: string[] = [];
    const writes = await new ProjectionApplier(failing, store, target).plan(recordedLog([orderCreated(), itemAdded(), orderSubmitted()]), async ({ event, error }) => {
      failures.push(`${event.type}: ${error.message}`);
    });
    expect(failures).toEqual(['OrderItemAdded: boom']);
    expect(writes).toEqual([expect.objectContaining({ id: ORDER_ID, data: expect.objectContaining({ status: 'submitted', itemCount: 0 }), position: '3' })]);
  });
});
