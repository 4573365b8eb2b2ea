import { assertEmail, CustomerNotFound } from '../../domain';
import { aggregates } from './aggregates';
import type { CommandExecutor } from './command-executor';
import type { CommandContext, CommandHandler, CommandPayloads, CommandResult } from './command.types';
import { refuseBeforeReserving, type EmailReservations } from './email-reservations';

/** Reserve the new email, change it on the customer, then release the old one. */
export class ChangeCustomerEmailHandler implements CommandHandler<'ChangeCustomerEmail'> {
  readonly type = 'ChangeCustomerEmail';
  constructor(
    private readonly executor: CommandExecutor,
    private readonly reservations: EmailReservations,
  ) {}

  async handle(payload: CommandPayloads['ChangeCustomerEmail'], context: CommandContext): Promise<CommandResult> {
    const { customerId } = payload;
    const email = assertEmail(payload.email);
    const customer = await this.executor.load(aggregates.customer, customerId);
    if (customer.state.status !== 'registered') throw new CustomerNotFound(customerId);
    const previousEmail = customer.state.email;
    const change = { type: 'ChangeCustomerEmail' as const, customerId, email };
    if (previousEmail !== email) refuseBeforeReserving(customer, change, context);
    const reserved = previousEmail === email ? null : await this.reservations.reserve(email, customerId, context);
    let result: CommandResult;
    try {
      result = await this.executor.execute(aggregates.customer, customerId, change, context);
    } catch (error) {
      if (reserved && reserved.appended > 0) await this.reservations.release(email, customerId, context);
      throw error;
    }
    if (result.appended > 0) await this.reservations.release(previousEmail, customerId, context);
    // A late retry is answered from its earlier run and changes nothing now: the email it reserved is not the customer's.
    else if (reserved && reserved.appended > 0) await this.reservations.release(email, customerId, context);
    return result;
  }
}
