import { normalizeEmail } from '../../domain';
import type { IdGenerator, Logger } from '../ports';
import { aggregates } from './aggregates';
import type { CommandExecutor } from './command-executor';
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
    return this.executor.execute(aggregates.emailReservation, this.keyOf(email), { type: 'ReserveEmail', email, customerId }, this.sideContext(context, 'reserve'));
  }

  /** Releasing never fails the command that asked for it: a leftover reservation only blocks that email. */
  async release(email: string, customerId: string, context: CommandContext): Promise<void> {
    try {
      await this.executor.execute(aggregates.emailReservation, this.keyOf(email), { type: 'ReleaseEmail', email, customerId }, this.sideContext(context, 'release'));
    } catch (error) {
      this.logger.error({ err: error, email, customerId, correlationId: context.correlationId }, 'email reservation not released');
    }
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
