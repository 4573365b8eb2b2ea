import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { SchemaViolation } from './codec-error';

const EVENT_FILE = /^([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)\.json$/;

export type JsonSchema = Record<string, unknown>;

export const toViolations = (errors: readonly ErrorObject[] | null | undefined): SchemaViolation[] =>
  (errors ?? []).map((e) => ({
    path: e.instancePath,
    message: e.keyword === 'additionalProperties' ? `must NOT have additional property "${String(e.params['additionalProperty'])}"` : (e.message ?? e.keyword),
  }));

/** The project's schemas/ folder, found by walking up from this file (works from src/ and from dist/). */
export const findSchemasDir = (start: string = __dirname): string => {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, 'events'))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`No schemas/events folder above ${start}`);
    dir = parent;
  }
};

/** A strict ajv instance shared by everything that validates JSON against our schemas. */
export const createAjv = (formats: 'full' | 'fast' = 'full'): Ajv2020 => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv, { mode: formats });
  return ajv;
};

/** Event data schemas by type and version, compiled once. */
export class EventSchemaRegistry {
  private readonly validators = new Map<string, Map<number, ValidateFunction>>();
  private readonly latest = new Map<string, number>();
  readonly metadata: ValidateFunction;

  constructor(schemas: { events: ReadonlyMap<string, ReadonlyMap<number, JsonSchema>>; metadata: JsonSchema }) {
    // Every stored event is validated on every read: ajv-formats' fast mode checks the shape of dates
    // and ids (not, say, February 30th in metadata timestamps), which the hot read path needs.
    const ajv = createAjv('fast');
    for (const [type, versions] of schemas.events) {
      const byVersion = new Map<number, ValidateFunction>();
      for (const [version, schema] of versions) byVersion.set(version, ajv.compile(schema));
      this.validators.set(type, byVersion);
      this.latest.set(type, Math.max(...versions.keys()));
    }
    this.metadata = ajv.compile(schemas.metadata);
  }

  static fromDirectory(dir: string = findSchemasDir()): EventSchemaRegistry {
    const events = new Map<string, Map<number, JsonSchema>>();
    for (const file of readdirSync(join(dir, 'events')).sort()) {
      const match = EVENT_FILE.exec(file);
      if (!match) throw new Error(`Unexpected file ${file} in ${dir}/events: expected <Type>.v<N>.json`);
      const [, type, version] = match as unknown as [string, string, string];
      const versions = events.get(type) ?? new Map<number, JsonSchema>();
      versions.set(Number(version), JSON.parse(readFileSync(join(dir, 'events', file), 'utf8')) as JsonSchema);
      events.set(type, versions);
    }
    const metadata = JSON.parse(readFileSync(join(dir, 'metadata', 'EventMetadata.v1.json'), 'utf8')) as JsonSchema;
    return new EventSchemaRegistry({ events, metadata });
  }

  types(): string[] {
    return [...this.validators.keys()];
  }

  versionsOf(type: string): number[] {
    return [...(this.validators.get(type)?.keys() ?? [])].sort((a, b) => a - b);
  }

  latestVersion(type: string): number | undefined {
    return this.latest.get(type);
  }

  validator(type: string, version: number): ValidateFunction | undefined {
    return this.validators.get(type)?.get(version);
  }
}
