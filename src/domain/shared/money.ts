import { assertCurrency, type CurrencyCode } from './currency';
import { InvalidValue } from './domain-error';

/** An amount in integer minor units (cents) of one ISO 4217 currency. */
export interface Money {
  readonly amount: number;
  readonly currency: CurrencyCode;
}

/** Upper bound for one price, so that order totals stay exact JavaScript integers. */
export const MAX_PRICE_AMOUNT = 1_000_000_000;

export const money = (amount: number, currency: CurrencyCode): Money => ({ amount, currency });

export const assertPrice = (price: Money, field = 'price'): Money => {
  assertCurrency(price.currency, `${field}.currency`);
  if (!Number.isInteger(price.amount) || price.amount < 0 || price.amount > MAX_PRICE_AMOUNT) {
    throw new InvalidValue(`${field}.amount`, `must be an integer number of minor units from 0 to ${MAX_PRICE_AMOUNT}`);
  }
  return price;
};

export const sameMoney = (a: Money, b: Money): boolean => a.amount === b.amount && a.currency === b.currency;

export const formatMoney = (m: Money): string => `${m.amount} ${m.currency} (minor units)`;
