import type { ServiceEvent } from '../../domain';
import type { Aggregate } from './aggregates';
import type { CommandExecutor } from './command-executor';
import type { CommandContext, CommandHandler, CommandPayloads, CommandResult, CommandType } from './command.types';

/**
 * The handler of every command that needs nothing but its own aggregate: it names the
 * aggregate id and turns the payload into the domain command.
 */
export class AggregateCommandHandler<T extends CommandType, C, E extends ServiceEvent, S> implements CommandHandler<T> {
  constructor(
    readonly type: T,
    private readonly executor: CommandExecutor,
    private readonly aggregate: Aggregate<C, E, S>,
    private readonly idOf: (payload: CommandPayloads[T]) => string,
    private readonly toCommand: (payload: CommandPayloads[T]) => C,
  ) {}

  handle(payload: CommandPayloads[T], context: CommandContext): Promise<CommandResult> {
    return this.executor.execute(this.aggregate, this.idOf(payload), this.toCommand(payload), context);
  }
}
