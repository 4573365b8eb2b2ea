import { assertEmail } from '../../domain';
import { aggregates } from './aggregates';
import type { CommandExecutor } from './command-executor';
import type { CommandContext, CommandHandler, CommandPayloads, CommandResult } from './command.types';
import { refuseBeforeReserving, type EmailReservations } from './email-reservations';

/** Reserves the email (its own stream, "no stream" expected), then registers; undoes the reservation if registering fails. */
export class RegisterCustomerHandler implements CommandHandler<'RegisterCustomer'> {
  readonly type = 'RegisterCustomer';
  constructor(
    private readonly executor: CommandExecutor,
    private readonly reservations: EmailReservations,
  ) {}

  async handle(payload: CommandPayloads['RegisterCustomer'], context: CommandContext): Promise<CommandResult> {
    const { customerId } = payload;
    const email = assertEmail(payload.email);
    const register = { type: 'RegisterCustomer' as const, customerId, name: payload.name, email };
    const customer = await this.executor.load(aggregates.customer, customerId);
    // Registered already: the executor answers a retry of this command like the first time (whatever changed
    // since), the decider refuses anything else; either way no reservation is touched.
    if (customer.state.status === 'registered') return this.executor.execute(aggregates.customer, customerId, register, context);
    refuseBeforeReserving(customer, register, context);
    const reserved = await this.reservations.reserve(email, customerId, context);
    try {
      return await this.executor.execute(aggregates.customer, customerId, register, context);
    } catch (error) {
      if (reserved.appended > 0) await this.reservations.release(email, customerId, context);
      throw error;
    }
  }
}
