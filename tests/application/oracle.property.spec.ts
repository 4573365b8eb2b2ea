// The oracle: whatever valid and invalid commands arrive, and however often the projection runners are
// stopped and restarted meanwhile, once they have caught up every read model equals what folding the
// whole log from scratch gives.
import fc from 'fast-check';
import type { CommandContext, CommandPayloads, CommandResult, CommandType } from '../../src/application/commands/command.types';
import { ConcurrencyError, ValidationFailed } from '../../src/application/ports';
import { projections } from '../../src/application/projections/projections';
import { collections, type OrderDetailsDocument } from '../../src/application/projections/read-models';
import { PROJECTED_STREAM_PREFIXES } from '../../src/application/streams';
import {
  customerDecider,
  DomainError,
  emailReservationDecider,
  normalizeEmail,
  orderDecider,
  orderTotal,
  productDecider,
  type CustomerEvent,
  type EmailReservationEvent,
  type OrderEvent,
  type ProductEvent,
} from '../../src/domain';
import { createTestApp, uuid, type TestApp } from '../support/application-fixtures';
import { foldProjection, normalized } from '../support/projection-fold';

const RUNS = Number(process.env['ORACLE_RUNS'] ?? 200);
// A failure prints its seed: ORACLE_SEED=<seed> replays the same scenarios.
const SEED = process.env['ORACLE_SEED'] === undefined ? {} : { seed: Number(process.env['ORACLE_SEED']) };

// ------------------------------------------------------------------ the world: small pools, so commands collide

const CUSTOMERS = 3;
const PRODUCTS = 3;
const ORDERS = 2;
// The last entry of each list is refused by the schema or the domain; emails 0 and 1 are the same email.
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Ada King', 'Émilie du Châtelet', '   '];
const EMAILS = ['ada@example.com', 'ADA@Example.com', 'grace@example.com', 'emilie@example.org', 'hedy@example.net', 'not-an-email'];
const PRODUCT_NAMES = ['Widget', 'Gadget', 'Brass Lamp', 'Sprocket', ''];
const CURRENCIES = ['EUR', 'USD', 'ABC'];
const TRACKING = ['TRACK-1', 'TRACK-2', '!'];

/** An index into `list`, the last (invalid) entry `invalidWeight` times in 20. */
const pick = (list: readonly unknown[], invalidWeight = 2) =>
  fc.oneof({ weight: 20 - invalidWeight, arbitrary: fc.nat(list.length - 2) }, { weight: invalidWeight, arbitrary: fc.constant(list.length - 1) });
const currency = fc.oneof({ weight: 16, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) });

type Command =
  | { readonly type: 'RegisterCustomer'; readonly c: number; readonly name: number; readonly email: number }
  | { readonly type: 'RenameCustomer'; readonly c: number; readonly name: number }
  | { readonly type: 'ChangeCustomerEmail'; readonly c: number; readonly email: number }
  | { readonly type: 'AddProduct'; readonly p: number; readonly name: number; readonly amount: number; readonly currency: number }
  | { readonly type: 'RenameProduct'; readonly p: number; readonly name: number }
  | { readonly type: 'ChangeProductPrice'; readonly p: number; readonly amount: number; readonly currency: number }
  | { readonly type: 'CreateOrder'; readonly o: number; readonly c: number; readonly currency: number }
  | { readonly type: 'AddItem'; readonly o: number; readonly p: number; readonly quantity: number }
  | { readonly type: 'RemoveItem'; readonly o: number; readonly p: number }
  | { readonly type: 'SubmitOrder'; readonly o: number }
  | { readonly type: 'ConfirmPayment'; readonly o: number; readonly exact: boolean }
  | { readonly type: 'ShipOrder'; readonly o: number; readonly tracking: number }
  | { readonly type: 'DeliverOrder'; readonly o: number }
  | { readonly type: 'CancelOrder'; readonly o: number };

type Step =
  | { readonly kind: 'command'; readonly command: Command; readonly ifMatch: 'none' | 'current' | 'stale' }
  /** The next command of the order's life for its current status (add an item, submit, pay, ship, deliver). */
  | { readonly kind: 'advance'; readonly o: number; readonly p: number; readonly exact: boolean }
  /**
   * Sends a recent command again with the same command id (a client retry), sometimes without its If-Match:
   * `back` commands before the last when nothing is snapshotted, else the last one (a retry is recognised
   * while its events are within snapshotEvery of the newest snapshot: see CommandExecutorOptions).
   */
  | { readonly kind: 'retry'; readonly back: number; readonly dropIfMatch: boolean }
  | { readonly kind: 'restart' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'start' }
  | { readonly kind: 'tick'; readonly ms: number };

const c = fc.nat(CUSTOMERS - 1);
const p = fc.nat(PRODUCTS - 1);
const o = fc.nat(ORDERS - 1);
const amount = fc.constantFrom(0, 1, 250, 999, 1250);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ type: fc.constant('RegisterCustomer' as const), c, name: pick(NAMES), email: pick(EMAILS) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('RenameCustomer' as const), c, name: pick(NAMES) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('ChangeCustomerEmail' as const), c, email: pick(EMAILS) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('AddProduct' as const), p, name: pick(PRODUCT_NAMES), amount, currency }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('RenameProduct' as const), p, name: pick(PRODUCT_NAMES) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('ChangeProductPrice' as const), p, amount, currency }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('CreateOrder' as const), o, c, currency }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('AddItem' as const), o, p, quantity: fc.constantFrom(0, 1, 2, 3, 999) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('RemoveItem' as const), o, p }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('SubmitOrder' as const), o }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('ConfirmPayment' as const), o, exact: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('ShipOrder' as const), o, tracking: pick(TRACKING) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('DeliverOrder' as const), o }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('CancelOrder' as const), o }) },
);

const commandStep = (command: fc.Arbitrary<Command>) =>
  fc.record({ kind: fc.constant('command' as const), command, ifMatch: fc.constantFrom<'none' | 'current' | 'stale'>('none', 'none', 'none', 'none', 'current', 'stale') });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 16, arbitrary: commandStep(commandArb) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('advance' as const), o, p, exact: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('retry' as const), back: fc.nat(4), dropIfMatch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('start' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 * 3_600_000 }) }) },
);

/** A registration, sometimes with a stale If-Match and retried at once without it (a transient failure, then success). */
const registration = (i: number): fc.Arbitrary<Step[]> =>
  fc
    .record({
      command: fc.record({ type: fc.constant('RegisterCustomer' as const), c: fc.constant(i), name: pick(NAMES, 1), email: pick(EMAILS, 1) }),
      ifMatch: fc.constantFrom<'none' | 'stale'>('none', 'none', 'none', 'stale'),
      retried: fc.boolean(),
    })
    .map(({ command, ifMatch, retried }): Step[] => [
      { kind: 'command', command, ifMatch },
      ...(retried ? [{ kind: 'retry' as const, back: 0, dropIfMatch: true }] : []),
    ]);

/** Most runs start with customers, products and orders, so that orders get somewhere. */
const preludeArb: fc.Arbitrary<Step[]> = fc
  .tuple(
    ...Array.from({ length: CUSTOMERS }, (_, i) => registration(i)),
    ...Array.from({ length: PRODUCTS }, (_, i) =>
      fc.record({ type: fc.constant('AddProduct' as const), p: fc.constant(i), name: pick(PRODUCT_NAMES, 1), amount, currency }).map((command): Step[] => [{ kind: 'command', command, ifMatch: 'none' }]),
    ),
    ...Array.from({ length: ORDERS }, (_, i) =>
      fc.record({ type: fc.constant('CreateOrder' as const), o: fc.constant(i), c: fc.constant(i), currency }).map((command): Step[] => [{ kind: 'command', command, ifMatch: 'none' }]),
    ),
  )
  .map((steps) => steps.flat());

const scenarioArb = fc.record({
  prelude: fc.oneof({ weight: 9, arbitrary: preludeArb }, { weight: 1, arbitrary: fc.constant<Step[]>([]) }),
  steps: fc.array(stepArb, { minLength: 10, maxLength: 50 }),
  startRunning: fc.boolean(),
  batchSize: fc.integer({ min: 1, max: 7 }),
  snapshotEvery: fc.constantFrom(0, 2, 3),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

// ------------------------------------------------------------------ running a scenario

interface World {
  readonly customers: readonly string[];
  readonly products: readonly string[];
  readonly orders: readonly string[];
}

const streamOf = (world: World, command: Command): string => {
  if ('o' in command) return `order-${world.orders[command.o]}`;
  if ('p' in command) return `product-${world.products[command.p]}`;
  return `customer-${world.customers[command.c]}`;
};

const fold = <S, E>(decider: { evolve: (s: S, e: E) => S; initialState: S }, events: readonly { type: string; data: unknown }[]): S =>
  events.reduce((state, event) => decider.evolve(state, event as unknown as E), decider.initialState);

const payloadOf = async (t: TestApp, world: World, command: Command): Promise<{ type: CommandType; payload: CommandPayloads[CommandType] }> => {
  const customerId = 'c' in command ? (world.customers[command.c] as string) : '';
  const productId = 'p' in command ? (world.products[command.p] as string) : '';
  const orderId = 'o' in command ? (world.orders[command.o] as string) : '';
  const price = (amountOf: number, currency: number) => ({ amount: amountOf, currency: CURRENCIES[currency] as string });
  switch (command.type) {
    case 'RegisterCustomer':
      return { type: command.type, payload: { customerId, name: NAMES[command.name] as string, email: EMAILS[command.email] as string } };
    case 'RenameCustomer':
      return { type: command.type, payload: { customerId, name: NAMES[command.name] as string } };
    case 'ChangeCustomerEmail':
      return { type: command.type, payload: { customerId, email: EMAILS[command.email] as string } };
    case 'AddProduct':
      return { type: command.type, payload: { productId, sku: `SKU-${command.p}`, name: PRODUCT_NAMES[command.name] as string, price: price(command.amount, command.currency) } };
    case 'RenameProduct':
      return { type: command.type, payload: { productId, name: PRODUCT_NAMES[command.name] as string } };
    case 'ChangeProductPrice':
      return { type: command.type, payload: { productId, price: price(command.amount, command.currency) } };
    case 'CreateOrder':
      return { type: command.type, payload: { orderId, customerId, currency: CURRENCIES[command.currency] as string } };
    case 'AddItem':
      return { type: command.type, payload: { orderId, productId, quantity: command.quantity } };
    case 'RemoveItem':
      return { type: command.type, payload: { orderId, productId } };
    case 'SubmitOrder':
    case 'DeliverOrder':
      return { type: command.type, payload: { orderId } };
    case 'ConfirmPayment': {
      // The right amount is the submitted total, read from the order itself; sometimes the wrong one is sent.
      const state = fold(orderDecider, await t.memoryEventStore.readStream(`order-${orderId}`));
      const total = 'total' in state ? state.total : { amount: 0, currency: 'EUR' };
      return { type: command.type, payload: { orderId, amount: command.exact ? total : { ...total, amount: total.amount + 1 } } };
    }
    case 'ShipOrder':
      return { type: command.type, payload: { orderId, trackingNumber: TRACKING[command.tracking] as string } };
    case 'CancelOrder':
      return { type: command.type, payload: { orderId, reason: 'Changed my mind' } };
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

/** Runs the scenario on a fresh application and leaves every projection caught up with the log. */
const run = async (scenario: Scenario, created: (t: TestApp) => void): Promise<{ t: TestApp; world: World }> => {
  const t = createTestApp({
    executor: { snapshotEvery: scenario.snapshotEvery, retryBaseMs: 1 },
    runner: { batchSize: scenario.batchSize, retryBaseMs: 1, retryCapMs: 2, standbyPollMs: 2 },
  });
  created(t);
  const world: World = {
    customers: Array.from({ length: CUSTOMERS }, uuid),
    products: Array.from({ length: PRODUCTS }, uuid),
    orders: Array.from({ length: ORDERS }, uuid),
  };
  let running = scenario.startRunning;
  if (running) t.start();
  const sent: { type: CommandType; payload: CommandPayloads[CommandType]; context: CommandContext; result: CommandResult | null }[] = [];

  const send = async (type: CommandType, payload: CommandPayloads[CommandType], context: CommandContext, mayConflict: boolean) => {
    try {
      return await t.app.commands.dispatch({ type, payload, context } as never);
    } catch (error) {
      // Refused commands are part of the scenario; anything else is a bug.
      if (error instanceof DomainError || error instanceof ValidationFailed || (mayConflict && error instanceof ConcurrencyError)) return null;
      throw error;
    }
  };

  for (const step of [...scenario.prelude, ...scenario.steps]) {
    switch (step.kind) {
      case 'command': {
        const { type, payload } = await payloadOf(t, world, step.command);
        const revision = (await t.memoryEventStore.readStream(streamOf(world, step.command))).length - 1;
        // A stale If-Match is one behind (or, for a new stream, one ahead of) where the stream is.
        const expectedRevision = step.ifMatch === 'current' ? revision : step.ifMatch === 'stale' ? (revision >= 1 ? revision - 1 : revision + 1) : undefined;
        const context = t.context(expectedRevision === undefined || expectedRevision < 0 ? {} : { expectedRevision });
        sent.push({ type, payload, context, result: await send(type, payload, context, step.ifMatch === 'stale') });
        break;
      }
      case 'advance': {
        const state = fold(orderDecider, await t.memoryEventStore.readStream(`order-${world.orders[step.o]}`));
        const next: Command | null =
          state.status === 'none'
            ? { type: 'CreateOrder', o: step.o, c: step.o, currency: 0 }
            : state.status === 'draft'
              ? state.items.length === 0 || step.p !== 2
                ? { type: 'AddItem', o: step.o, p: step.p, quantity: 1 }
                : { type: 'SubmitOrder', o: step.o }
              : state.status === 'submitted'
                ? { type: 'ConfirmPayment', o: step.o, exact: step.exact }
                : state.status === 'paid'
                  ? { type: 'ShipOrder', o: step.o, tracking: 0 }
                  : state.status === 'shipped'
                    ? { type: 'DeliverOrder', o: step.o }
                    : null;
        if (!next) break;
        const { type, payload } = await payloadOf(t, world, next);
        const context = t.context();
        sent.push({ type, payload, context, result: await send(type, payload, context, false) });
        break;
      }
      case 'retry': {
        const earlier = sent.at(scenario.snapshotEvery === 0 ? -1 - Math.min(step.back, sent.length - 1) : -1);
        if (!earlier) break;
        const { expectedRevision: _dropped, ...withoutIfMatch } = earlier.context;
        const again = await send(earlier.type, earlier.payload, step.dropIfMatch ? withoutIfMatch : earlier.context, true);
        // A command that appended answers its retry as the first time, appending nothing.
        if (earlier.result && earlier.result.appended > 0) expect(again).toEqual({ ...earlier.result, appended: 0 });
        break;
      }
      case 'restart':
        if (running) await t.stop();
        t.start();
        running = true;
        break;
      case 'stop':
        await t.stop();
        running = false;
        break;
      case 'start':
        t.start();
        running = true;
        break;
      case 'tick':
        t.clock.advance(step.ms);
        break;
      default: {
        const unknown: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }
  if (!running) t.start();
  await t.waitForHead(10_000);
  return { t, world };
};

/** `run`, disposing of the application when the scenario itself fails (its runners would outlive the test). */
const runOrDispose = async (scenario: Scenario): Promise<{ t: TestApp; world: World }> => {
  let app: TestApp | undefined;
  try {
    return await run(scenario, (created) => (app = created));
  } catch (error) {
    await app?.dispose();
    throw error;
  }
};

// ------------------------------------------------------------------ the properties

const expectReadModelsEqualTheFold = async (t: TestApp) => {
  const log = await t.memoryEventStore.readAll({ maxCount: Number.MAX_SAFE_INTEGER, streamPrefixes: PROJECTED_STREAM_PREFIXES });
  const expectedCollections = new Set<string>();
  for (const projection of projections) {
    for (const [collection, docs] of foldProjection(projection, log)) {
      expectedCollections.add(collection);
      expect({ collection, docs: normalized(t.collection(collection)) }).toEqual({ collection, docs: normalized(docs) });
    }
  }
  // No stray collections (e.g. a rebuild copy left behind).
  for (const collection of t.documents.collections.keys()) expect(expectedCollections).toContain(collection);
};

/** Each order document agrees with the order aggregate, and its names are the current customer and product names. */
const expectOrderDetailsMatchTheDecider = async (t: TestApp, world: World) => {
  const details = t.collection(collections.orderDetails) as Map<string, OrderDetailsDocument>;
  const productNames = new Map<string, string>();
  for (const productId of world.products) {
    const state = fold(productDecider, (await t.memoryEventStore.readStream(`product-${productId}`)) as unknown as ProductEvent[]);
    if (state.status === 'listed') productNames.set(productId, state.name);
  }
  for (const orderId of world.orders) {
    const events = await t.memoryEventStore.readStream(`order-${orderId}`);
    const state = fold(orderDecider, events as unknown as OrderEvent[]);
    const doc = details.get(orderId);
    if (state.status === 'none') {
      expect(doc).toBeUndefined();
      continue;
    }
    const customer = fold(customerDecider, (await t.memoryEventStore.readStream(`customer-${state.customerId}`)) as unknown as CustomerEvent[]);
    expect(doc).toMatchObject({
      orderId,
      customerId: state.customerId,
      customerName: customer.status === 'registered' ? customer.name : null,
      status: state.status,
      currency: state.currency,
      total: 'total' in state ? state.total : orderTotal(state.currency, state.items),
      revision: events.length - 1,
      trackingNumber: 'trackingNumber' in state ? state.trackingNumber : null,
      cancellationReason: state.status === 'cancelled' ? state.reason : null,
    });
    expect(doc?.items).toEqual(
      state.items.map((line) => ({
        productId: line.productId,
        productName: productNames.get(line.productId),
        quantity: line.quantity,
        unitPrice: line.unitPrice,
        subtotal: { amount: line.quantity * line.unitPrice.amount, currency: line.unitPrice.currency },
      })),
    );
  }
};

/** Every registered customer holds the reservation of their email, and no reservation is held by anyone else. */
const expectEmailsUnique = async (t: TestApp, world: World) => {
  const emailOf = new Map<string, string>();
  for (const customerId of world.customers) {
    const state = fold(customerDecider, (await t.memoryEventStore.readStream(`customer-${customerId}`)) as unknown as CustomerEvent[]);
    if (state.status === 'registered') emailOf.set(customerId, normalizeEmail(state.email));
  }
  expect(new Set(emailOf.values()).size).toBe(emailOf.size);
  const reservations = await t.memoryEventStore.readAll({ maxCount: Number.MAX_SAFE_INTEGER, streamPrefixes: ['customeremail-'] });
  const held = new Map<string, string>();
  for (const streamId of new Set(reservations.map((e) => e.streamId))) {
    const state = fold(emailReservationDecider, reservations.filter((e) => e.streamId === streamId) as unknown as EmailReservationEvent[]);
    if (state.status === 'reserved') held.set(state.email, state.customerId);
  }
  expect(Object.fromEntries(held)).toEqual(Object.fromEntries([...emailOf].map(([customerId, email]) => [email, customerId])));
};

describe('the read side agrees with the log', () => {
  it(`every read model equals the fold of all events, however the runners were stopped and restarted (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const { t, world } = await runOrDispose(scenario);
        try {
          await expectReadModelsEqualTheFold(t);
          await expectEmailsUnique(t, world);
        } finally {
          await t.dispose();
        }
      }),
      { numRuns: RUNS, ...SEED },
    );
  }, 600_000);

  it(`order details agree with the order aggregate: status, items, total, names (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const { t, world } = await runOrDispose(scenario);
        try {
          await expectOrderDetailsMatchTheDecider(t, world);
        } finally {
          await t.dispose();
        }
      }),
      { numRuns: RUNS, ...SEED },
    );
  }, 600_000);
});
