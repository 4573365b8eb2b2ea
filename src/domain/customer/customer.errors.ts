import { AggregateNotFound, DomainError } from '../shared/domain-error';

export class CustomerNotFound extends AggregateNotFound {
  readonly code = 'CustomerNotFound';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} does not exist`);
  }
}

export class CustomerAlreadyRegistered extends DomainError {
  readonly code = 'CustomerAlreadyRegistered';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} is already registered`);
  }
}

export class EmailAlreadyInUse extends DomainError {
  readonly code = 'EmailAlreadyInUse';
  constructor(readonly email: string) {
    super(`The email ${email} is already used by another customer`);
  }
}
