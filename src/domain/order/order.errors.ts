import { AggregateNotFound, DomainError } from '../shared/domain-error';
import { formatMoney, type Money } from '../shared/money';

export class OrderNotFound extends AggregateNotFound {
  readonly code = 'OrderNotFound';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist`);
  }
}

export class OrderAlreadyExists extends DomainError {
  readonly code = 'OrderAlreadyExists';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} already exists`);
  }
}

/** An order references a customer that is not registered. */
export class UnknownCustomer extends DomainError {
  readonly code = 'UnknownCustomer';
  constructor(readonly customerId: string) {
    super(`Customer ${customerId} does not exist`);
  }
}

/** An order line references a product that is not listed. */
export class UnknownProduct extends DomainError {
  readonly code = 'UnknownProduct';
  constructor(readonly productId: string) {
    super(`Product ${productId} does not exist`);
  }
}

export class OrderNotDraft extends DomainError {
  readonly code = 'OrderNotDraft';
  constructor(
    readonly orderId: string,
    readonly status: string,
  ) {
    super(`Order ${orderId} is ${status}; only a draft order can be changed or submitted`);
  }
}

export class EmptyOrder extends DomainError {
  readonly code = 'EmptyOrder';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} has no items and cannot be submitted`);
  }
}

export class CurrencyMismatch extends DomainError {
  readonly code = 'CurrencyMismatch';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`The order is in ${expected} but the price is in ${actual}`);
  }
}

export class QuantityLimitExceeded extends DomainError {
  readonly code = 'QuantityLimitExceeded';
  constructor(
    readonly productId: string,
    readonly limit: number,
  ) {
    super(`An order line may hold at most ${limit} units (product ${productId})`);
  }
}

export class TooManyItems extends DomainError {
  readonly code = 'TooManyItems';
  constructor(readonly limit: number) {
    super(`An order may hold at most ${limit} different products`);
  }
}

export class ItemNotInOrder extends DomainError {
  readonly code = 'ItemNotInOrder';
  constructor(readonly productId: string) {
    super(`Product ${productId} is not in the order`);
  }
}

export class OrderNotSubmitted extends DomainError {
  readonly code = 'OrderNotSubmitted';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} must be submitted before it can be paid`);
  }
}

export class OrderAlreadyPaid extends DomainError {
  readonly code = 'OrderAlreadyPaid';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} is already paid`);
  }
}

export class PaymentMismatch extends DomainError {
  readonly code = 'PaymentMismatch';
  constructor(
    readonly expected: Money,
    readonly actual: Money,
  ) {
    super(`Payment of ${formatMoney(actual)} does not match the order total of ${formatMoney(expected)}`);
  }
}

export class OrderNotPaid extends DomainError {
  readonly code = 'OrderNotPaid';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} must be paid before it can be shipped`);
  }
}

export class OrderAlreadyShipped extends DomainError {
  readonly code = 'OrderAlreadyShipped';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} has already been shipped`);
  }
}

export class OrderNotShipped extends DomainError {
  readonly code = 'OrderNotShipped';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} must be shipped before it can be delivered`);
  }
}

export class OrderAlreadyDelivered extends DomainError {
  readonly code = 'OrderAlreadyDelivered';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} has already been delivered`);
  }
}

export class OrderAlreadyCancelled extends DomainError {
  readonly code = 'OrderAlreadyCancelled';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} has been cancelled`);
  }
}
