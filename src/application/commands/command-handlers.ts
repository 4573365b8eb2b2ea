import type { IdGenerator, Logger } from '../ports';
import { AddItemHandler } from './add-item.handler';
import { AggregateCommandHandler } from './aggregate-command.handler';
import { aggregates } from './aggregates';
import { ChangeCustomerEmailHandler } from './change-customer-email.handler';
import type { CommandExecutor } from './command-executor';
import type { CommandHandler } from './command.types';
import { CreateOrderHandler } from './create-order.handler';
import { EmailReservations } from './email-reservations';
import { RegisterCustomerHandler } from './register-customer.handler';

/** The catalogue of command handlers: one per command. */
export const commandHandlers = (executor: CommandExecutor, ids: IdGenerator, logger: Logger): CommandHandler[] => {
  const { customer, product, order } = aggregates;
  const reservations = new EmailReservations(executor, ids, logger);
  const handlers = [
    new RegisterCustomerHandler(executor, reservations),
    new AggregateCommandHandler('RenameCustomer', executor, customer, (p) => p.customerId, (p) => ({ type: 'RenameCustomer' as const, ...p })),
    new ChangeCustomerEmailHandler(executor, reservations),
    new AggregateCommandHandler('AddProduct', executor, product, (p) => p.productId, (p) => ({ type: 'AddProduct' as const, ...p })),
    new AggregateCommandHandler('RenameProduct', executor, product, (p) => p.productId, (p) => ({ type: 'RenameProduct' as const, ...p })),
    new AggregateCommandHandler('ChangeProductPrice', executor, product, (p) => p.productId, (p) => ({ type: 'ChangeProductPrice' as const, ...p })),
    new CreateOrderHandler(executor),
    new AddItemHandler(executor),
    new AggregateCommandHandler('RemoveItem', executor, order, (p) => p.orderId, (p) => ({ type: 'RemoveItem' as const, ...p })),
    new AggregateCommandHandler('SubmitOrder', executor, order, (p) => p.orderId, (p) => ({ type: 'SubmitOrder' as const, ...p })),
    new AggregateCommandHandler('ConfirmPayment', executor, order, (p) => p.orderId, (p) => ({ type: 'ConfirmPayment' as const, ...p })),
    new AggregateCommandHandler('ShipOrder', executor, order, (p) => p.orderId, (p) => ({ type: 'ShipOrder' as const, ...p })),
    new AggregateCommandHandler('DeliverOrder', executor, order, (p) => p.orderId, (p) => ({ type: 'DeliverOrder' as const, ...p })),
    new AggregateCommandHandler('CancelOrder', executor, order, (p) => p.orderId, (p) => ({ type: 'CancelOrder' as const, ...p })),
  ];
  return handlers as CommandHandler[];
};
