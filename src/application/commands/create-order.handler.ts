import { UnknownCustomer } from '../../domain';
import { aggregates } from './aggregates';
import type { CommandExecutor } from './command-executor';
import type { CommandContext, CommandHandler, CommandPayloads, CommandResult } from './command.types';

/** An order needs a registered customer. */
export class CreateOrderHandler implements CommandHandler<'CreateOrder'> {
  readonly type = 'CreateOrder';

  constructor(private readonly executor: CommandExecutor) {}

  async handle(payload: CommandPayloads['CreateOrder'], context: CommandContext): Promise<CommandResult> {
    const customer = await this.executor.load(aggregates.customer, payload.customerId);
    if (customer.state.status !== 'registered') throw new UnknownCustomer(payload.customerId);
    return this.executor.execute(aggregates.order, payload.orderId, { type: 'CreateOrder', ...payload }, context);
  }
}
