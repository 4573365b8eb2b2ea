import { CommandBus, type CommandMiddleware } from '../../../src/application/commands/command-bus';
import type { CommandHandler, CommandMessage } from '../../../src/application/commands/command.types';
import { ConcurrencyError, StoreUnavailable, ValidationFailed } from '../../../src/application/ports';
import { OrderNotFound } from '../../../src/domain';
import { createTestApp, uuid, type TestApp } from '../../support/application-fixtures';
import { InstrumentedEventStore } from '../../support/instrumented-ports';

const message = (overrides: Partial<CommandMessage> = {}): CommandMessage =>
  ({ type: 'SubmitOrder', payload: { orderId: uuid() }, context: { commandId: uuid(), correlationId: 'corr-1', actor: 'test' }, ...overrides }) as CommandMessage;

describe('CommandBus', () => {
  it('routes each command to its one handler through the middleware, first registered outermost', async () => {
    const calls: string[] = [];
    const handler: CommandHandler<'SubmitOrder'> = {
      type: 'SubmitOrder',
      handle: async (payload) => {
        calls.push('handler');
        return { id: payload.orderId, streamId: `order-${payload.orderId}`, revision: 0, position: '1', appended: 1 };
      },
    };
    const trace =
      (name: string): CommandMiddleware =>
      async (m, next) => {
        calls.push(`${name} in`);
        const result = await next(m);
        calls.push(`${name} out`);
        return result;
      };
    const bus = new CommandBus([handler as CommandHandler], [trace('outer'), trace('inner')]);

    await expect(bus.dispatch(message())).resolves.toMatchObject({ appended: 1 });
    expect(calls).toEqual(['outer in', 'inner in', 'handler', 'inner out', 'outer out']);
    expect(bus.types()).toEqual(['SubmitOrder']);
  });

  it('refuses two handlers for one command, and rejects a command nobody handles', async () => {
    const handler = { type: 'SubmitOrder', handle: jest.fn() } as unknown as CommandHandler;
    expect(() => new CommandBus([handler, handler])).toThrow('Two handlers for SubmitOrder');
    await expect(new CommandBus([]).dispatch(message())).rejects.toThrow('No handler for command SubmitOrder');
  });
});

describe('the application command bus', () => {
  let t: TestApp;
  let store: InstrumentedEventStore;
  beforeEach(() => {
    t = createTestApp({ wrapEventStore: (memory) => (store = new InstrumentedEventStore(memory)) });
  });
  afterEach(() => t.dispose());

  it('has a handler for every command type', () => {
    expect([...t.app.commands.types()].sort()).toEqual(
      [
        'AddItem', 'AddProduct', 'CancelOrder', 'ChangeCustomerEmail', 'ChangeProductPrice', 'ConfirmPayment', 'CreateOrder',
        'DeliverOrder', 'RegisterCustomer', 'RemoveItem', 'RenameCustomer', 'RenameProduct', 'ShipOrder', 'SubmitOrder',
      ].sort(),
    );
  });

  describe('validation middleware', () => {
    it('rejects a payload that breaks the command schema with every violation, before any handler runs', async () => {
      const error = (await t.send('AddItem', { orderId: 'not-a-uuid', productId: uuid(), quantity: 0, extra: true } as never).catch((e: unknown) => e)) as ValidationFailed;

      expect(error).toBeInstanceOf(ValidationFailed);
      expect(error.subject).toBe('AddItem command');
      expect(error.violations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: '/orderId' }),
          expect.objectContaining({ path: '/quantity' }),
          expect.objectContaining({ message: expect.stringMatching(/additional/i) }),
        ]),
      );
      expect(store.appends).toEqual([]);
      expect(store.streamReads).toEqual([]);
      expect(await t.memoryEventStore.headPosition()).toBeNull();
    });

    it('rejects a missing required field', async () => {
      const error = (await t.send('RegisterCustomer', { customerId: uuid(), name: 'Ada' } as never).catch((e: unknown) => e)) as ValidationFailed;
      expect(error).toBeInstanceOf(ValidationFailed);
      expect(error.violations).toEqual([expect.objectContaining({ message: expect.stringContaining('email') })]);
    });
  });

  describe('telemetry middleware', () => {
    it('counts each command by outcome: ok, rejected (domain or validation), conflict, error', async () => {
      const customerId = uuid();
      await t.send('RegisterCustomer', { customerId, name: 'Ada', email: 'ada@example.com' });
      await t.send('SubmitOrder', { orderId: uuid() }).catch(() => undefined);
      await t.send('SubmitOrder', { orderId: 'nope' }).catch(() => undefined);
      await t.send('RenameCustomer', { customerId, name: 'Ada B' }, { expectedRevision: 7 }).catch(() => undefined);
      store.beforeAppend = async () => {
        throw new StoreUnavailable('event store', 'connection refused');
      };
      await t.send('RenameCustomer', { customerId, name: 'Ada C' }).catch(() => undefined);

      expect(t.metrics.commands.map(({ type, outcome }) => [type, outcome])).toEqual([
        ['RegisterCustomer', 'ok'],
        ['SubmitOrder', 'rejected'],
        ['SubmitOrder', 'rejected'],
        ['RenameCustomer', 'conflict'],
        ['RenameCustomer', 'error'],
      ]);
      expect(t.metrics.commands.every((c) => c.seconds >= 0)).toBe(true);
    });

    it('times commands on the application clock', async () => {
      const slow = createTestApp({
        wrapEventStore: (memory) => {
          const wrapped = new InstrumentedEventStore(memory);
          wrapped.beforeAppend = async () => slow.clock.advance(1_500);
          return wrapped;
        },
      });
      await slow.send('AddProduct', { productId: uuid(), sku: 'A-1', name: 'Widget', price: { amount: 1, currency: 'EUR' } });
      expect(slow.metrics.commands).toEqual([{ type: 'AddProduct', outcome: 'ok', seconds: 1.5 }]);
      await slow.dispose();
    });

    it('logs with the correlation id: debug on success, info when not applied, error when failed', async () => {
      const customerId = uuid();
      await t.send('RegisterCustomer', { customerId, name: 'Ada', email: 'ada@example.com' }, { correlationId: 'corr-ok' });
      await t.send('SubmitOrder', { orderId: uuid() }, { correlationId: 'corr-rejected' }).catch(() => undefined);
      store.beforeAppend = async () => {
        throw new StoreUnavailable('event store', 'connection refused');
      };
      await t.send('RenameCustomer', { customerId, name: 'Ada B' }, { correlationId: 'corr-error' }).catch(() => undefined);

      const byCorrelation = (id: string) => t.logger.entries.filter((e) => e.fields['correlationId'] === id).map((e) => [e.level, e.message]);
      expect(byCorrelation('corr-ok')).toContainEqual(['debug', 'command handled']);
      expect(byCorrelation('corr-rejected')).toContainEqual(['info', 'command not applied']);
      expect(byCorrelation('corr-error')).toContainEqual(['error', 'command failed']);
      const failed = t.logger.entries.find((e) => e.message === 'command failed');
      expect(failed?.fields).toMatchObject({ command: 'RenameCustomer', err: expect.any(StoreUnavailable) });
      const rejected = t.logger.entries.find((e) => e.message === 'command not applied');
      expect(rejected?.fields).toMatchObject({ command: 'SubmitOrder', reason: 'OrderNotFound' });
    });

    it('passes errors through unchanged', async () => {
      await expect(t.send('SubmitOrder', { orderId: uuid() })).rejects.toBeInstanceOf(OrderNotFound);
      const customerId = uuid();
      await t.send('RegisterCustomer', { customerId, name: 'Ada', email: 'ada@example.com' });
      await expect(t.send('RenameCustomer', { customerId, name: 'B' }, { expectedRevision: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
    });
  });
});
