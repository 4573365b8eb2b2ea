import { assertEmail, CustomerAlreadyRegistered } from '../../domain';
import type { IdGenerator, Logger } from '../ports';
import { aggregates } from './aggregates';
import type { CommandExecutor } from './command-executor';
import type { CommandContext, CommandHandler, CommandPayloads, CommandResult } from './command.types';
import { EmailReservations } from './email-reservations';

/** Reserves the email (its own stream, "no stream" expected), then registers; undoes the reservation if registering fails. */
export class RegisterCustomerHandler implements CommandHandler<'RegisterCustomer'> {
  readonly type = 'RegisterCustomer';
  private readonly reservations: EmailReservations;

  constructor(
    private readonly executor: CommandExecutor,
    ids: IdGenerator,
    logger: Logger,
  ) {
    this.reservations = new EmailReservations(executor, ids, logger);
  }

  async handle(payload: CommandPayloads['RegisterCustomer'], context: CommandContext): Promise<CommandResult> {
    const { customerId } = payload;
    const email = assertEmail(payload.email);
    const customer = await this.executor.load(aggregates.customer, customerId);
    if (customer.state.status === 'registered') {
      // The same command again is answered like the first time; anything else is a conflict.
      if (customer.state.email !== email || customer.state.name !== payload.name.trim()) throw new CustomerAlreadyRegistered(customerId);
    }
    const reserved = await this.reservations.reserve(email, customerId, context);
    try {
      return await this.executor.execute(aggregates.customer, customerId, { type: 'RegisterCustomer', customerId, name: payload.name, email }, context);
    } catch (error) {
      if (reserved.appended > 0) await this.reservations.release(email, customerId, context);
      throw error;
    }
  }
}
