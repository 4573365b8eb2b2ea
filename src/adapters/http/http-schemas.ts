import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ValidationFailed } from '../../application/ports';
import { createAjv, findSchemasDir, toViolations, type JsonSchema } from '../codec/schema-registry';

export const HTTP_SCHEMA_BASE = 'https://schemas.order-service.example/http/';
export type SchemaFolder = 'requests' | 'queries' | 'responses';
/** The shared value shapes of schemas/http/common.json ($defs), which path parameters use. */
export type CommonDefinition = 'Uuid' | 'ProjectionName' | 'ParkedEventId';

export interface LoadedSchema {
  readonly folder: SchemaFolder | 'common';
  readonly name: string;
  readonly id: string;
  readonly schema: JsonSchema;
}

const readJson = (file: string): JsonSchema => JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;

/** Every schema under schemas/http: common.json plus one file per request body, query string and response. */
export const loadHttpSchemas = (dir: string = join(findSchemasDir(), 'http')): LoadedSchema[] => {
  const common = readJson(join(dir, 'common.json'));
  const loaded: LoadedSchema[] = [{ folder: 'common', name: 'Common', id: common['$id'] as string, schema: common }];
  for (const folder of ['requests', 'queries', 'responses'] as const) {
    for (const file of readdirSync(join(dir, folder)).filter((f) => f.endsWith('.json')).sort()) {
      const schema = readJson(join(dir, folder, file));
      const name = file.replace(/\.json$/, '');
      const id = `${HTTP_SCHEMA_BASE}${folder}/${file}`;
      if (schema['$id'] !== id) throw new Error(`schemas/http/${folder}/${file} must have $id ${id}`);
      if (schema['title'] !== name) throw new Error(`schemas/http/${folder}/${file} must have title ${name}`);
      loaded.push({ folder, name, id, schema });
    }
  }
  return loaded;
};

/**
 * The HTTP contracts, compiled once at start. Bodies are validated as sent (no coercion); query
 * strings and path parameters arrive as text, so their validator coerces "20" to 20 in place.
 */
export class HttpSchemas {
  readonly all: readonly LoadedSchema[];
  private readonly exact: Ajv2020;
  private readonly coercing: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(schemas: readonly LoadedSchema[] = loadHttpSchemas()) {
    this.all = schemas;
    this.exact = createAjv();
    // Same options as createAjv plus coercion: the only difference text inputs need.
    this.coercing = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, coerceTypes: true });
    addFormats(this.coercing);
    for (const { schema } of schemas) {
      this.exact.addSchema(schema);
      this.coercing.addSchema(schema);
    }
    // Compile everything now: a broken schema fails the start, not the first request.
    for (const { folder, name } of schemas) if (folder !== 'common') this.validator(folder, name);
  }

  has(folder: SchemaFolder, name: string): boolean {
    return this.all.some((s) => s.folder === folder && s.name === name);
  }

  schema(folder: SchemaFolder | 'common', name: string): JsonSchema {
    const found = this.all.find((s) => s.folder === folder && s.name === name);
    if (!found) throw new Error(`No schema schemas/http/${folder}/${name}.json`);
    return found.schema;
  }

  /** A compiled validator for a file (requests/responses: exact; queries: coercing). */
  validator(folder: SchemaFolder, name: string): ValidateFunction {
    const key = `${folder}/${name}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      if (!this.has(folder, name)) throw new Error(`No schema schemas/http/${key}.json`);
      const ajv = folder === 'queries' ? this.coercing : this.exact;
      validate = ajv.getSchema(`${HTTP_SCHEMA_BASE}${key}.json`);
      if (!validate) throw new Error(`schemas/http/${key}.json did not compile`);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** A validator for one path parameter: a string against a common.json definition. */
  parameter(definition: CommonDefinition): ValidateFunction {
    const key = `common/${definition}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.exact.compile({ $ref: `${HTTP_SCHEMA_BASE}common.json#/$defs/${definition}` });
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** Runs a validator, throwing the application's ValidationFailed (→ 400) with a path per violation under `prefix`. */
export const assertValid = (validate: ValidateFunction, value: unknown, subject: string, prefix = ''): void => {
  if (validate(value)) return;
  throw new ValidationFailed(subject, toViolations(validate.errors).map((v) => ({ path: `${prefix}${v.path}`, message: v.message })));
};
