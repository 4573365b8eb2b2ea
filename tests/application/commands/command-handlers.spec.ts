import { CurrencyMismatch, UnknownCustomer, UnknownProduct } from '../../../src/domain';
import { createTestApp, uuid, type TestApp } from '../../support/application-fixtures';

describe('command handlers, through the bus', () => {
  let t: TestApp;
  beforeEach(() => {
    t = createTestApp();
  });
  afterEach(() => t.dispose());

  const stream = async (streamId: string) => (await t.memoryEventStore.readStream(streamId)).map(({ type, data }) => ({ type, data }));

  const customerId = '6a0d3a4e-1f1b-4c55-9a53-0c4f1b7e2d01';
  const productId = '6a0d3a4e-1f1b-4c55-9a53-0c4f1b7e2d02';
  const orderId = '6a0d3a4e-1f1b-4c55-9a53-0c4f1b7e2d03';
  const price = { amount: 1250, currency: 'EUR' };

  it('customers: RegisterCustomer, RenameCustomer, ChangeCustomerEmail', async () => {
    const registered = await t.send('RegisterCustomer', { customerId, name: ' Ada Lovelace ', email: 'Ada@Example.com' });
    await t.send('RenameCustomer', { customerId, name: 'Ada King' });
    const changed = await t.send('ChangeCustomerEmail', { customerId, email: 'ada@king.org' });

    expect(registered).toMatchObject({ id: customerId, streamId: `customer-${customerId}`, revision: 0, appended: 1 });
    expect(changed).toMatchObject({ revision: 2, appended: 1 });
    expect(await stream(`customer-${customerId}`)).toEqual([
      { type: 'CustomerRegistered', data: { customerId, name: 'Ada Lovelace', email: 'ada@example.com' } },
      { type: 'CustomerRenamed', data: { customerId, name: 'Ada King' } },
      { type: 'CustomerEmailChanged', data: { customerId, email: 'ada@king.org', previousEmail: 'ada@example.com' } },
    ]);
  });

  it('products: AddProduct, RenameProduct, ChangeProductPrice', async () => {
    await t.send('AddProduct', { productId, sku: 'WIDGET-1', name: 'Widget', price });
    await t.send('RenameProduct', { productId, name: 'Widget Pro' });
    const repriced = await t.send('ChangeProductPrice', { productId, price: { amount: 999, currency: 'EUR' } });

    expect(repriced).toMatchObject({ id: productId, streamId: `product-${productId}`, revision: 2, appended: 1 });
    expect(await stream(`product-${productId}`)).toEqual([
      { type: 'ProductAdded', data: { productId, sku: 'WIDGET-1', name: 'Widget', price } },
      { type: 'ProductRenamed', data: { productId, name: 'Widget Pro' } },
      { type: 'ProductPriceChanged', data: { productId, price: { amount: 999, currency: 'EUR' }, previousPrice: price } },
    ]);
  });

  it('orders: CreateOrder, AddItem, RemoveItem, SubmitOrder, ConfirmPayment, ShipOrder, DeliverOrder', async () => {
    const otherProductId = uuid();
    await t.send('RegisterCustomer', { customerId, name: 'Ada', email: 'ada@example.com' });
    await t.send('AddProduct', { productId, sku: 'WIDGET-1', name: 'Widget', price });
    await t.send('AddProduct', { productId: otherProductId, sku: 'GADGET-1', name: 'Gadget', price: { amount: 500, currency: 'EUR' } });

    await t.send('CreateOrder', { orderId, customerId, currency: 'EUR' });
    await t.send('AddItem', { orderId, productId, quantity: 2 });
    await t.send('AddItem', { orderId, productId: otherProductId, quantity: 1 });
    await t.send('RemoveItem', { orderId, productId: otherProductId });
    await t.send('SubmitOrder', { orderId });
    await t.send('ConfirmPayment', { orderId, amount: { amount: 2500, currency: 'EUR' } });
    await t.send('ShipOrder', { orderId, trackingNumber: 'TRACK-1' });
    const delivered = await t.send('DeliverOrder', { orderId });

    expect(delivered).toMatchObject({ id: orderId, streamId: `order-${orderId}`, revision: 7, appended: 1 });
    expect(await stream(`order-${orderId}`)).toEqual([
      { type: 'OrderCreated', data: { orderId, customerId, currency: 'EUR' } },
      { type: 'OrderItemAdded', data: { orderId, productId, productName: 'Widget', quantity: 2, unitPrice: price } },
      { type: 'OrderItemAdded', data: { orderId, productId: otherProductId, productName: 'Gadget', quantity: 1, unitPrice: { amount: 500, currency: 'EUR' } } },
      { type: 'OrderItemRemoved', data: { orderId, productId: otherProductId, quantity: 1, unitPrice: { amount: 500, currency: 'EUR' } } },
      { type: 'OrderSubmitted', data: { orderId, total: { amount: 2500, currency: 'EUR' } } },
      { type: 'OrderPaid', data: { orderId, customerId, amount: { amount: 2500, currency: 'EUR' } } },
      { type: 'OrderShipped', data: { orderId, trackingNumber: 'TRACK-1' } },
      { type: 'OrderDelivered', data: { orderId } },
    ]);
  });

  it('CancelOrder of a paid order records the refund', async () => {
    await t.send('RegisterCustomer', { customerId, name: 'Ada', email: 'ada@example.com' });
    await t.send('AddProduct', { productId, sku: 'WIDGET-1', name: 'Widget', price });
    await t.send('CreateOrder', { orderId, customerId, currency: 'EUR' });
    await t.send('AddItem', { orderId, productId, quantity: 1 });
    await t.send('SubmitOrder', { orderId });
    await t.send('ConfirmPayment', { orderId, amount: price });
    await t.send('CancelOrder', { orderId, reason: 'Changed my mind' });

    expect((await stream(`order-${orderId}`)).at(-1)).toEqual({ type: 'OrderCancelled', data: { orderId, customerId, reason: 'Changed my mind', refund: price } });
  });

  describe('CreateOrder', () => {
    it('refuses an unknown customer with UnknownCustomer and writes nothing', async () => {
      const error = await t.send('CreateOrder', { orderId, customerId, currency: 'EUR' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownCustomer);
      expect(error).toMatchObject({ customerId, code: 'UnknownCustomer' });
      expect(await t.memoryEventStore.headPosition()).toBeNull();
    });
  });

  describe('AddItem', () => {
    beforeEach(async () => {
      await t.send('RegisterCustomer', { customerId, name: 'Ada', email: 'ada@example.com' });
      await t.send('AddProduct', { productId, sku: 'WIDGET-1', name: 'Widget', price });
      await t.send('CreateOrder', { orderId, customerId, currency: 'EUR' });
    });

    it("takes the product's name and price at that moment", async () => {
      await t.send('AddItem', { orderId, productId, quantity: 1 });
      await t.send('RenameProduct', { productId, name: 'Widget Pro' });
      await t.send('ChangeProductPrice', { productId, price: { amount: 1500, currency: 'EUR' } });
      await t.send('AddItem', { orderId, productId, quantity: 1 });

      const added = (await stream(`order-${orderId}`)).filter((e) => e.type === 'OrderItemAdded').map((e) => e.data);
      expect(added).toEqual([
        { orderId, productId, productName: 'Widget', quantity: 1, unitPrice: price },
        { orderId, productId, productName: 'Widget Pro', quantity: 1, unitPrice: { amount: 1500, currency: 'EUR' } },
      ]);
    });

    it('refuses a product that does not exist with UnknownProduct', async () => {
      const unknown = uuid();
      const error = await t.send('AddItem', { orderId, productId: unknown, quantity: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownProduct);
      expect(error).toMatchObject({ productId: unknown });
      expect(await stream(`order-${orderId}`)).toHaveLength(1);
    });

    it('lets the order refuse a product priced in another currency', async () => {
      const dollars = uuid();
      await t.send('AddProduct', { productId: dollars, sku: 'USD-1', name: 'Import', price: { amount: 100, currency: 'USD' } });
      await expect(t.send('AddItem', { orderId, productId: dollars, quantity: 1 })).rejects.toBeInstanceOf(CurrencyMismatch);
    });
  });
});
