import { collections } from '../../../src/application/projections/read-models';
import { createTestApp, seedOrder, uuid, type TestApp } from '../../support/application-fixtures';

describe('renames reach every denormalized copy', () => {
  let t: TestApp;
  beforeEach(() => {
    t = createTestApp({ runner: { batchSize: 50 } });
    t.start();
  });
  afterEach(() => t.dispose());

  it('a customer rename updates the order list, order details and order search of all their orders, and only theirs', async () => {
    const first = await seedOrder(t, {}, { name: 'Ada Lovelace' });
    const second = await seedOrder(t, { customerId: first.customerId, productId: first.productId });
    const other = await seedOrder(t, { productId: first.productId }, { name: 'Grace Hopper' });

    await t.send('RenameCustomer', { customerId: first.customerId, name: 'Ada King' });
    await t.waitForHead();

    for (const collection of [collections.orderList, collections.orderDetails, collections.orderSearch]) {
      const docs = t.collection(collection);
      expect(docs.get(first.orderId)).toMatchObject({ customerName: 'Ada King' });
      expect(docs.get(second.orderId)).toMatchObject({ customerName: 'Ada King' });
      expect(docs.get(other.orderId)).toMatchObject({ customerName: 'Grace Hopper' });
    }
    expect(t.collection(collections.customerView).get(first.customerId)).toMatchObject({ name: 'Ada King' });
    // The reference each order projection keeps for new orders follows the rename too.
    for (const collection of [collections.orderListCustomers, collections.orderDetailsCustomers, collections.orderSearchCustomers]) {
      expect(t.collection(collection).get(first.customerId)).toEqual({ name: 'Ada King' });
    }
    const third = await seedOrder(t, { customerId: first.customerId, productId: first.productId });
    await t.waitForHead();
    expect(t.collection(collections.orderList).get(third.orderId)).toMatchObject({ customerName: 'Ada King' });
    expect(await t.app.queries.execute('SearchOrders', { q: 'king' })).toHaveLength(3);
    expect(await t.app.queries.execute('SearchOrders', { q: 'lovelace' })).toHaveLength(0);
  });

  it('a product rename updates the item names in order details and the product names in order search, and only that product', async () => {
    const first = await seedOrder(t, {}, { productName: 'Widget' });
    const gadget = uuid();
    await t.send('AddProduct', { productId: gadget, sku: 'GADGET-1', name: 'Gadget', price: { amount: 500, currency: 'EUR' } });
    await t.send('AddItem', { orderId: first.orderId, productId: gadget, quantity: 1 });
    const second = await seedOrder(t, { productId: first.productId });

    await t.send('RenameProduct', { productId: first.productId, name: 'Sprocket' });
    await t.waitForHead();

    const details = t.collection(collections.orderDetails);
    expect(details.get(first.orderId)).toMatchObject({
      items: [expect.objectContaining({ productId: first.productId, productName: 'Sprocket', unitPrice: { amount: 1250, currency: 'EUR' } }), expect.objectContaining({ productName: 'Gadget' })],
    });
    expect(details.get(second.orderId)).toMatchObject({ items: [expect.objectContaining({ productName: 'Sprocket' })] });
    const search = t.collection(collections.orderSearch);
    expect(search.get(first.orderId)).toMatchObject({ products: [{ productId: first.productId, name: 'Sprocket' }, { productId: gadget, name: 'Gadget' }] });
    expect(search.get(second.orderId)).toMatchObject({ products: [{ productId: first.productId, name: 'Sprocket' }] });
    expect(t.collection(collections.productCatalog).get(first.productId)).toMatchObject({ name: 'Sprocket' });
    expect((await t.app.queries.execute('SearchOrders', { q: 'sprocket' })).map((o) => o.orderId).sort()).toEqual([first.orderId, second.orderId].sort());
    expect(await t.app.queries.execute('SearchOrders', { q: 'widget' })).toEqual([]);
  });
});
