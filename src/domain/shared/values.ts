import { InvalidValue } from './domain-error';

// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** A human-readable name: trimmed, 1..maxLength characters, no control characters. */
export const assertName = (value: string, field = 'name', maxLength = 200): string => {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new InvalidValue(field, 'must not be empty');
  if (trimmed.length > maxLength) throw new InvalidValue(field, `must be at most ${maxLength} characters`);
  if (CONTROL_CHARS.test(trimmed)) throw new InvalidValue(field, 'must not contain control characters');
  return trimmed;
};

// Deliberately pragmatic: one @, no spaces, a dot in the domain; the mailbox is the real check.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Emails are compared case-insensitively: the normalized form is what must be unique. */
export const normalizeEmail = (value: string): string => value.trim().toLowerCase();

export const assertEmail = (value: string, field = 'email'): string => {
  const email = normalizeEmail(value);
  if (email.length > 254 || !EMAIL.test(email)) throw new InvalidValue(field, `"${value}" is not a valid email address`);
  return email;
};

const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const assertSku = (value: string): string => {
  if (!SKU.test(value)) throw new InvalidValue('sku', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return value;
};

const TRACKING = /^[A-Za-z0-9][A-Za-z0-9-]{2,63}$/;
export const assertTrackingNumber = (value: string): string => {
  if (!TRACKING.test(value)) throw new InvalidValue('trackingNumber', 'must be 3-64 letters, digits or "-"');
  return value;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (value: string): boolean => UUID.test(value);
export const assertUuid = (value: string, field: string): string => {
  if (!isUuid(value)) throw new InvalidValue(field, `"${value}" is not a lower-case UUID`);
  return value;
};
