import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createAjv, findSchemasDir } from '../../../src/adapters/codec';
import { arbitraryFromSchema, codePointLength } from '../../support/json-schema-arbitrary';

const schemasDir = findSchemasDir();
const schemaFiles = [
  ...readdirSync(join(schemasDir, 'events')).map((file) => join('events', file)),
  ...readdirSync(join(schemasDir, 'metadata')).map((file) => join('metadata', file)),
].sort();
const readSchema = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as Record<string, unknown>;
const ajv = createAjv();

describe('arbitraryFromSchema', () => {
  it.each(schemaFiles)('generates only values valid under %s', (file) => {
    const schema = readSchema(file);
    const validate = ajv.getSchema(String(schema['$id'])) ?? ajv.compile(schema);

    fc.assert(
      fc.property(arbitraryFromSchema(schema), (value) => {
        expect({ valid: validate(value), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
      }),
      { numRuns: 200 },
    );
  });

  it('generates both branches of an anyOf', () => {
    const refunds = fc.sample(arbitraryFromSchema(readSchema('events/OrderCancelled.v1.json')), { numRuns: 200, seed: 7 }).map((v) => (v as { refund: unknown }).refund);

    expect(refunds.some((refund) => refund === null)).toBe(true);
    expect(refunds.some((refund) => typeof refund === 'object' && refund !== null && 'amount' in refund)).toBe(true);
  });

  it('generates emails that ajv-formats accepts, in mixed case', () => {
    const validate = ajv.compile({ type: 'string', format: 'email', maxLength: 254 });
    const emails = fc.sample(arbitraryFromSchema({ type: 'string', format: 'email', maxLength: 254 }), { numRuns: 1000, seed: 11 }) as string[];

    expect(emails.filter((email) => !validate(email))).toEqual([]);
    expect(emails.some((email) => email !== email.toLowerCase())).toBe(true);
  });

  it('counts string lengths in code points, and produces blank and non-ASCII strings', () => {
    const strings = fc.sample(arbitraryFromSchema({ type: 'string', minLength: 1, maxLength: 3 }), { numRuns: 2000, seed: 3 }) as string[];

    expect(strings.every((s) => codePointLength(s) >= 1 && codePointLength(s) <= 3)).toBe(true);
    expect(strings.some((s) => s.trim() === '')).toBe(true);
    expect(strings.some((s) => [...s].some((char) => (char.codePointAt(0) ?? 0) > 0xffff))).toBe(true);
  });

  it('spans integer ranges wider than 32 bits', () => {
    const values = fc.sample(arbitraryFromSchema({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), { numRuns: 500, seed: 5 }) as number[];

    expect(values.every((n) => Number.isSafeInteger(n) && n >= 0)).toBe(true);
    expect(values.some((n) => n > 2 ** 32)).toBe(true);
  });

  it('generates decimals within the bounds, typed-looking ones included', () => {
    const values = fc.sample(arbitraryFromSchema({ type: 'number', minimum: 0, maximum: 100 }), { numRuns: 500, seed: 9 }) as number[];

    expect(values.every((n) => n >= 0 && n <= 100 && !Object.is(n, -0))).toBe(true);
    expect(values.some((n) => !Number.isInteger(n) && Number.isInteger(Math.round(n * 100)) && String(n).split('.')[1]?.length === 2)).toBe(true);
  });

  it('uses an override at its JSON pointer', () => {
    const schema = readSchema('events/OrderCreated.v1.json');

    const currencies = fc.sample(arbitraryFromSchema(schema, { '/currency': fc.constant('JPY') }), 50).map((v) => (v as { currency: string }).currency);

    expect(new Set(currencies)).toEqual(new Set(['JPY']));
  });

  it.each<[string, unknown, string]>([
    ['an unsupported keyword', { type: 'string', enum: ['a'] }, 'unsupported keyword "enum" for string at "/"'],
    ['a nested unsupported keyword', { type: 'object', properties: { n: { type: 'integer', multipleOf: 5 } } }, 'unsupported keyword "multipleOf" for integer at "/n"'],
    ['a union type', { type: ['string', 'null'] }, 'type must be a single type name'],
    ['an unsupported type', { type: 'array' }, 'unsupported type "array"'],
    ['an unsupported format', { type: 'string', format: 'ipv4' }, 'unsupported format "ipv4"'],
    ['a required property without schema', { type: 'object', required: ['id'], properties: {} }, 'required property "id" has no schema'],
  ])('refuses %s rather than ignoring a constraint', (_case, schema, message) => {
    expect(() => arbitraryFromSchema(schema)).toThrow(message);
  });
});
