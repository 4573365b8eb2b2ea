import { UnknownProduct } from '../../domain';
import { aggregates } from './aggregates';
import type { CommandExecutor } from './command-executor';
import type { CommandContext, CommandHandler, CommandPayloads, CommandResult } from './command.types';

/** The product's name and price at this moment become part of the order line. */
export class AddItemHandler implements CommandHandler<'AddItem'> {
  readonly type = 'AddItem';

  constructor(private readonly executor: CommandExecutor) {}

  async handle(payload: CommandPayloads['AddItem'], context: CommandContext): Promise<CommandResult> {
    const product = await this.executor.load(aggregates.product, payload.productId);
    if (product.state.status !== 'listed') throw new UnknownProduct(payload.productId);
    const { name: productName, price: unitPrice } = product.state;
    return this.executor.execute(aggregates.order, payload.orderId, { type: 'AddItem', ...payload, productName, unitPrice }, context);
  }
}
