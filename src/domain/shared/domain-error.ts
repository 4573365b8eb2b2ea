/**
 * Base class of every broken business rule. `code` is stable (clients and HTTP problem
 * types rely on it); the message is for humans.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The aggregate a command addresses does not exist (HTTP 404 rather than 422). */
export abstract class AggregateNotFound extends DomainError {}

/** A value in a command is malformed (a name too long, an invalid email, ...). */
export class InvalidValue extends DomainError {
  readonly code = 'InvalidValue';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
