import { AggregateNotFound, DomainError } from '../shared/domain-error';

export class ProductNotFound extends AggregateNotFound {
  readonly code = 'ProductNotFound';
  constructor(readonly productId: string) {
    super(`Product ${productId} does not exist`);
  }
}

export class ProductAlreadyExists extends DomainError {
  readonly code = 'ProductAlreadyExists';
  constructor(readonly productId: string) {
    super(`Product ${productId} already exists`);
  }
}
