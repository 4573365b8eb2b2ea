import { minorUnitsOf } from '../../domain';

/** What an upcaster may learn about the stream its event belongs to. */
export interface UpcastContext {
  readonly streamId: string;
  readonly eventId: string;
  /** The first event of the stream (e.g. OrderCreated), decoded to its latest version. */
  streamOrigin(): Promise<{ readonly type: string; readonly data: unknown }>;
}

/** Turns data of version N into data of version N + 1. */
export type Upcaster = (data: Record<string, unknown>, context: UpcastContext) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** upcasters[type][N] upgrades version N to N + 1. A version without a path to the latest fails a test. */
export type UpcasterTable = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

const orderCurrency = async (context: UpcastContext): Promise<string> => {
  const origin = await context.streamOrigin();
  const currency = origin.type === 'OrderCreated' ? (origin.data as { currency?: unknown }).currency : undefined;
  if (typeof currency !== 'string') throw new Error(`stream ${context.streamId} does not start with an OrderCreated event`);
  return currency;
};

/**
 * Exact decimal → minor units: 19.99 EUR → 1999 (rounded half away from zero at the currency's precision).
 * Works on the number's shortest decimal form (what the JSON held), because binary arithmetic is not exact:
 * 1.005 * 100 is 100.49999999999999, yet 1.005 EUR is 101 cents.
 */
export const toMinorUnits = (major: number, currency: string): number => {
  const decimals = minorUnitsOf(currency);
  if (!Number.isFinite(major)) throw new RangeError(`${major} is not a finite amount`);
  const [mantissa = '0', exponent = '0'] = Math.abs(major).toString().split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const digits = BigInt(whole + fraction);
  const shift = decimals + Number(exponent) - fraction.length; // |major| * 10^decimals = digits * 10^shift
  let units: bigint;
  if (shift >= 0) {
    units = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    units = digits / divisor + ((digits % divisor) * 2n >= divisor ? 1n : 0n);
  }
  return major < 0 && units > 0n ? -Number(units) : Number(units);
};

export const upcasters: UpcasterTable = {
  OrderItemAdded: {
    // v1 stored `price` as a decimal in major units with no currency; the order's currency applies.
    1: async ({ price, ...rest }, context) => {
      const currency = await orderCurrency(context);
      return { ...rest, unitPrice: { amount: toMinorUnits(price as number, currency), currency } };
    },
  },
  CustomerRegistered: {
    // v1 named the field fullName and kept the email as typed; v2 stores it normalized.
    // A blank v1 name (valid then: minLength 1) is kept as stored rather than trimmed to an invalid "".
    1: ({ fullName, email, ...rest }) => ({
      ...rest,
      name: String(fullName).trim() || String(fullName),
      email: String(email).trim().toLowerCase(),
    }),
  },
};
