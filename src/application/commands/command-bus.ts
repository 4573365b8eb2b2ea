import { DomainError } from '../../domain';
import { ConcurrencyError, ValidationFailed, type Clock, type Logger, type Metrics } from '../ports';
import type { CommandHandler, CommandMessage, CommandResult, CommandType } from './command.types';

export type Dispatch = (message: CommandMessage) => Promise<CommandResult>;
export type CommandMiddleware = (message: CommandMessage, next: Dispatch) => Promise<CommandResult>;

/** Routes each command to its one handler through a chain of middleware (first registered runs outermost). */
export class CommandBus {
  private readonly handlers = new Map<CommandType, CommandHandler>();
  private readonly middleware: CommandMiddleware[] = [];

  constructor(handlers: readonly CommandHandler[], middleware: readonly CommandMiddleware[] = []) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.type)) throw new Error(`Two handlers for ${handler.type}`);
      this.handlers.set(handler.type, handler);
    }
    this.middleware.push(...middleware);
  }

  dispatch(message: CommandMessage): Promise<CommandResult> {
    const last: Dispatch = (m) => {
      const handler = this.handlers.get(m.type) as CommandHandler<typeof m.type> | undefined;
      if (!handler) return Promise.reject(new Error(`No handler for command ${m.type}`));
      return handler.handle(m.payload, m.context);
    };
    const chain = this.middleware.reduceRight<Dispatch>((next, mw) => (m) => mw(m, next), last);
    return chain(message);
  }

  types(): CommandType[] {
    return [...this.handlers.keys()];
  }
}

/** Checks a command payload against its JSON schema (schemas/commands) before any handler runs. */
export interface CommandValidator {
  violations(type: CommandType, payload: unknown): readonly { path: string; message: string }[];
}

export const validationMiddleware =
  (validator: CommandValidator): CommandMiddleware =>
  (message, next) => {
    const violations = validator.violations(message.type, message.payload);
    if (violations.length > 0) return Promise.reject(new ValidationFailed(`${message.type} command`, violations));
    return next(message);
  };

const outcomeOf = (error: unknown) =>
  error instanceof DomainError || error instanceof ValidationFailed ? 'rejected' : error instanceof ConcurrencyError ? 'conflict' : 'error';

/** Times every command, counts it by outcome and logs failures with the correlation id. */
export const telemetryMiddleware =
  (logger: Logger, metrics: Metrics, clock: Clock): CommandMiddleware =>
  async (message, next) => {
    const started = clock.now().getTime();
    const fields = { command: message.type, commandId: message.context.commandId, correlationId: message.context.correlationId };
    try {
      const result = await next(message);
      metrics.commandCompleted(message.type, 'ok', (clock.now().getTime() - started) / 1000);
      logger.debug({ ...fields, revision: result.revision, appended: result.appended }, 'command handled');
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      metrics.commandCompleted(message.type, outcome, (clock.now().getTime() - started) / 1000);
      if (outcome === 'error') logger.error({ ...fields, err: error }, 'command failed');
      else logger.info({ ...fields, reason: (error as Error).name }, 'command not applied');
      throw error;
    }
  };
