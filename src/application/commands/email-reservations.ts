import { normalizeEmail, type EmailReservationCommand } from '../../domain';
import type { CustomerCommand, CustomerState } from '../../domain';
import { ConcurrencyError, type IdGenerator, type Logger } from '../ports';
import { aggregates } from './aggregates';
import type { CommandExecutor, Loaded } from './command-executor';
import type { CommandContext, CommandResult } from './command.types';

/** Email uniqueness the event-sourced way: one reservation stream per normalized email, no read-model lookup. */
export class EmailReservations {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly ids: IdGenerator,
    private readonly logger: Logger,
  ) {}

  keyOf(email: string): string {
    return this.ids.deriveId(`email:${normalizeEmail(email)}`);
  }

  reserve(email: string, customerId: string, context: CommandContext): Promise<CommandResult> {
    return this.step(email, { type: 'ReserveEmail', email, customerId }, context, 'reserve');
  }

  /** Releasing never fails the command that asked for it: a leftover reservation only blocks that email. */
  async release(email: string, customerId: string, context: CommandContext): Promise<void> {
    try {
      await this.step(email, { type: 'ReleaseEmail', email, customerId }, context, 'release');
    } catch (error) {
      this.logger.error({ err: error, email, customerId, correlationId: context.correlationId }, 'email reservation not released');
    }
  }

  /**
   * One command may reserve and release an email more than once (a retry after a failed attempt released it).
   * Step ids derived from the stream's revision keep a step from being answered as an earlier, undone one;
   * the decider makes repeating a step harmless (reserving one's own email, releasing another's: no events).
   */
  private async step(email: string, command: EmailReservationCommand, context: CommandContext, step: string): Promise<CommandResult> {
    const key = this.keyOf(email);
    const { revision } = await this.executor.load(aggregates.emailReservation, key);
    return this.executor.execute(aggregates.emailReservation, key, command, this.sideContext(context, `${step}@${revision}`));
  }

  // Reservation streams have their own revisions: the caller's If-Match applies to the customer stream only.
  private sideContext(context: CommandContext, step: string): CommandContext {
    return {
      commandId: this.ids.deriveId(`${context.commandId}/${step}`),
      correlationId: context.correlationId,
      causationId: context.causationId ?? context.commandId,
      actor: context.actor,
    };
  }
}

/**
 * What would refuse a customer command anyway (If-Match, invalid values, rules) is found by a dry
 * run before the reservation stream is touched, so a refused command writes nothing at all.
 */
export const refuseBeforeReserving = (loaded: Loaded<CustomerState>, command: CustomerCommand, context: CommandContext): void => {
  if (context.expectedRevision !== undefined && context.expectedRevision !== loaded.revision) {
    throw new ConcurrencyError(loaded.streamId, context.expectedRevision, loaded.revision);
  }
  aggregates.customer.decider.decide(command, loaded.state);
};
