// A busy little shop driven through the command pipeline: customers (with their email reservation
// streams), products, and orders that go through every state — paid, shipped, delivered, cancelled with
// and without refund — plus renames and price changes that fan out over the read models. Seeded (the same
// commands for the same seed at concurrency 1); every command is valid, so each one writes events.
import { randomUUID } from 'node:crypto';
import type { Application } from '../../../../src/application/application';
import type { CommandMessage, CommandPayloads, CommandType } from '../../../../src/application/commands/command.types';
import type { EventStore } from '../../../../src/application/ports';

/** mulberry32: a small deterministic generator. */
export const randomSource = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export interface ScenarioOptions {
  readonly seed: number;
  readonly customers: number;
  readonly products: number;
  readonly orders: number;
  /** Orders worked on at the same time. */
  readonly concurrency: number;
  /** Stops starting new orders once this returns true (orders under way are finished). */
  readonly stopWhen?: () => boolean;
}

export interface Shop {
  readonly customers: readonly string[];
  readonly products: readonly string[];
}

/** Runs the scenario through `app.commands`; resolves when every command is done. Returns the shop's ids. */
export const runScenario = async (app: Application, eventStore: EventStore, options: ScenarioOptions, shop?: Shop): Promise<Shop> => {
  const random = randomSource(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number): boolean => random() < p;
  const send = <T extends CommandType>(type: T, payload: CommandPayloads[T]) =>
    app.commands.dispatch({ type, payload, context: { commandId: randomUUID(), correlationId: `scenario-${options.seed}`, actor: 'scenario' } } as CommandMessage);

  const customers = [...(shop?.customers ?? [])];
  const products = [...(shop?.products ?? [])];
  for (let i = 0; i < options.customers; i++) {
    const customerId = randomUUID();
    await send('RegisterCustomer', { customerId, name: `Customer ${i} Ünïcödé-${options.seed}`, email: `c${i}-${customerId.slice(0, 8)}@example.com` });
    customers.push(customerId);
  }
  for (let i = 0; i < options.products; i++) {
    const productId = randomUUID();
    await send('AddProduct', { productId, sku: `SKU-${options.seed}-${i}`, name: `Brass Lamp ${i}`, price: { amount: 100 + Math.floor(random() * 9_900), currency: 'EUR' } });
    products.push(productId);
  }

  const order = async (n: number): Promise<void> => {
    const orderId = randomUUID();
    await send('CreateOrder', { orderId, customerId: pick(customers), currency: 'EUR' });
    const lines = 1 + Math.floor(random() * 4);
    for (let i = 0; i < lines; i++) await send('AddItem', { orderId, productId: pick(products), quantity: 1 + Math.floor(random() * 5) });
    if (chance(0.2)) {
      const added = (await eventStore.readStream(`order-${orderId}`)).flatMap((event) => (event.type === 'OrderItemAdded' ? [event.data.productId] : []));
      // Only when another line stays: an empty order cannot be submitted.
      if (new Set(added).size > 1) await send('RemoveItem', { orderId, productId: added[0] as string });
    }
    // Renames and price changes now and then: fan-out updates over documents other orders wrote.
    if (n % 17 === 0) await send('RenameCustomer', { customerId: pick(customers), name: `Renamed ${n} Lovelace` });
    if (n % 13 === 0) await send('RenameProduct', { productId: pick(products), name: `Walnut Desk ${n}` });
    if (n % 19 === 0) await send('ChangeProductPrice', { productId: pick(products), price: { amount: 500 + n, currency: 'EUR' } });
    if (chance(0.1)) {
      await send('CancelOrder', { orderId, reason: 'changed my mind' });
      return;
    }
    await send('SubmitOrder', { orderId });
    const [last] = await eventStore.readStream(`order-${orderId}`, { direction: 'backwards', maxCount: 1 });
    if (last?.type !== 'OrderSubmitted') throw new Error(`order ${orderId} was not submitted`);
    if (chance(0.15)) {
      await send('CancelOrder', { orderId, reason: 'too slow' });
      return;
    }
    await send('ConfirmPayment', { orderId, amount: last.data.total });
    if (chance(0.15)) {
      await send('CancelOrder', { orderId, reason: 'refund please' });
      return;
    }
    await send('ShipOrder', { orderId, trackingNumber: `TRACK-${n}` });
    if (chance(0.7)) await send('DeliverOrder', { orderId });
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let n = next++; n < options.orders && !options.stopWhen?.(); n = next++) await order(n);
    }),
  );
  return { customers, products };
};
