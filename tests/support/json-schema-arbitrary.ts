import fc, { type Arbitrary } from 'fast-check';

/** A JSON Schema node, as read from schemas/ (or from a compiled ajv validator's `.schema`). */
export type JsonSchemaNode = Readonly<Record<string, unknown>>;

/** Arbitraries to use instead of the generated ones, keyed by JSON pointer of the generated value ('' = the root). */
export type SchemaOverrides = Readonly<Record<string, Arbitrary<unknown>>>;

// Annotations change nothing about which values are valid.
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$comment', 'examples']);

// Every keyword the generator honours, per type. Anything else throws, so a new constraint cannot be silently ignored.
const KEYWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  object: new Set(['type', 'properties', 'required', 'additionalProperties']),
  string: new Set(['type', 'format', 'pattern', 'minLength', 'maxLength']),
  integer: new Set(['type', 'minimum', 'maximum']),
  number: new Set(['type', 'minimum', 'maximum']),
  null: new Set(['type']),
  anyOf: new Set(['anyOf']),
};

const WHITESPACE = [' ', '\t', '\n', '\u00a0', '\u3000'];
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Length as JSON Schema (and ajv) count it: in Unicode code points, a surrogate pair is one. */
export const codePointLength = (value: string): number => [...value].length;

// One code point per unit, so minLength/maxLength hold; whitespace and upper case are over-represented
// because trimming and case-folding are what upcasters typically do to strings.
const codePoint: Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...WHITESPACE) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

// Valid under ajv-formats' "full" email regex (checked by the arbitrary's own spec); the mixed case
// is what users type, and JSON Schema's email format is case-insensitive.
const email: Arbitrary<string> = fc
  .tuple(fc.emailAddress(), fc.nat())
  .map(([address, upperBits]) => [...address].map((char, i) => ((upperBits >> i % 31) & 1 ? char.toUpperCase() : char)).join(''));

const FORMATS: Readonly<Record<string, Arbitrary<string>>> = {
  uuid: fc.uuid(),
  email,
  'date-time': fc
    .date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T23:59:59.999Z'), noInvalidDate: true })
    .map((date) => date.toISOString()),
};

const fail = (pointer: string, message: string): never => {
  throw new Error(`json-schema-arbitrary: ${message} at "${pointer || '/'}"`);
};

const checkKeywords = (schema: JsonSchemaNode, kind: string, pointer: string): void => {
  const allowed = KEYWORDS[kind] ?? fail(pointer, `unsupported type ${JSON.stringify(kind)}`);
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !allowed.has(keyword)) fail(pointer, `unsupported keyword "${keyword}" for ${kind}`);
  }
};

const numberKeyword = (schema: JsonSchemaNode, keyword: string, pointer: string): number | undefined => {
  const value = schema[keyword];
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : fail(pointer, `${keyword} must be a number`);
};

const stringArbitrary = (schema: JsonSchemaNode, pointer: string): Arbitrary<string> => {
  const minLength = numberKeyword(schema, 'minLength', pointer) ?? 0;
  const maxLength = numberKeyword(schema, 'maxLength', pointer);
  const fitsLength = (value: string): boolean => {
    const length = codePointLength(value);
    return length >= minLength && (maxLength === undefined || length <= maxLength);
  };
  const { format, pattern } = schema;
  if (format !== undefined && pattern !== undefined) fail(pointer, 'format together with pattern is not supported');
  if (format !== undefined) {
    const arbitrary = FORMATS[String(format)] ?? fail(pointer, `unsupported format ${JSON.stringify(format)}`);
    return arbitrary.filter(fitsLength);
  }
  if (pattern !== undefined) {
    if (typeof pattern !== 'string') return fail(pointer, 'pattern must be a string');
    // ajv compiles patterns with the "u" flag.
    return fc.stringMatching(new RegExp(pattern, 'u')).filter(fitsLength);
  }
  return fc.string({ unit: codePoint, minLength, ...(maxLength === undefined ? {} : { maxLength }) });
};

const integerArbitrary = (schema: JsonSchemaNode, pointer: string): Arbitrary<number> => {
  const min = numberKeyword(schema, 'minimum', pointer) ?? Number.MIN_SAFE_INTEGER;
  const max = numberKeyword(schema, 'maximum', pointer) ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) fail(pointer, `unusable integer range [${min}, ${max}]`);
  // fc.integer only spans 32 bits; amounts go up to Number.MAX_SAFE_INTEGER.
  if (min >= INT32_MIN && max <= INT32_MAX) return fc.integer({ min, max });
  return fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
};

const numberArbitrary = (schema: JsonSchemaNode, pointer: string): Arbitrary<number> => {
  const min = numberKeyword(schema, 'minimum', pointer);
  const max = numberKeyword(schema, 'maximum', pointer);
  const double = fc.double({ noNaN: true, noDefaultInfinity: true, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) });
  // Decimals as people type them (19.99, 0.3) next to arbitrary doubles; -0 does not survive JSON.
  const cents = fc
    .integer({ min: Math.max(INT32_MIN, Math.ceil((min ?? -1e7) * 100)), max: Math.min(INT32_MAX, Math.floor((max ?? 1e7) * 100)) })
    .map((n) => n / 100);
  return fc.oneof(double, cents).map((n) => (Object.is(n, -0) ? 0 : n));
};

const objectArbitrary = (schema: JsonSchemaNode, pointer: string, overrides: SchemaOverrides): Arbitrary<Record<string, unknown>> => {
  const properties = (schema['properties'] ?? {}) as Record<string, JsonSchemaNode>;
  const required = (schema['required'] ?? []) as string[];
  for (const name of required) if (!(name in properties)) fail(pointer, `required property "${name}" has no schema`);
  const fields: Record<string, Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) fields[name] = arbitraryAt(property, `${pointer}/${name}`, overrides);
  return fc.record(fields, { requiredKeys: required });
};

const arbitraryAt = (schema: JsonSchemaNode, pointer: string, overrides: SchemaOverrides): Arbitrary<unknown> => {
  const override = overrides[pointer];
  if (override) return override;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return fail(pointer, 'schema must be an object');
  if ('anyOf' in schema) {
    checkKeywords(schema, 'anyOf', pointer);
    const branches = schema['anyOf'];
    if (!Array.isArray(branches) || branches.length === 0) return fail(pointer, 'anyOf must be a non-empty array');
    return fc.oneof(...branches.map((branch: JsonSchemaNode) => arbitraryAt(branch, pointer, overrides)));
  }
  const type = schema['type'];
  if (typeof type !== 'string') return fail(pointer, `type must be a single type name, got ${JSON.stringify(type)}`);
  checkKeywords(schema, type, pointer);
  switch (type) {
    case 'object':
      return objectArbitrary(schema, pointer, overrides);
    case 'string':
      return stringArbitrary(schema, pointer);
    case 'integer':
      return integerArbitrary(schema, pointer);
    case 'number':
      return numberArbitrary(schema, pointer);
    case 'null':
      return fc.constant(null);
    default:
      return fail(pointer, `unsupported type ${JSON.stringify(type)}`);
  }
};

/**
 * Values valid under `schema`, for the subset of JSON Schema that schemas/events uses: objects with
 * properties/required/additionalProperties, strings with format (uuid, email, date-time), pattern or
 * length bounds, integers and numbers with bounds, anyOf and null. Throws on any other keyword.
 * `overrides` replaces the arbitrary at a JSON pointer (e.g. `{ '/currency': fc.constant('EUR') }`).
 */
export const arbitraryFromSchema = (schema: unknown, overrides: SchemaOverrides = {}): Arbitrary<unknown> =>
  arbitraryAt(schema as JsonSchemaNode, '', overrides);
