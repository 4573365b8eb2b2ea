import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventCodec, EventSchemaRegistry, findSchemasDir, upcasters } from '../../../src/adapters/codec';
import { SERVICE_EVENT_TYPES } from '../../../src/domain';

const schemasDir = findSchemasDir();
const eventFiles = readdirSync(join(schemasDir, 'events')).sort();
const readSchema = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(schemasDir, 'events', file), 'utf8')) as Record<string, unknown>;
const registry = EventSchemaRegistry.fromDirectory(schemasDir);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object schema inside `node` (the node itself included), with its JSON pointer in the schema file. */
const objectSchemas = (node: unknown, pointer = ''): Array<[string, Record<string, unknown>]> => {
  if (Array.isArray(node)) return node.flatMap((item, i) => objectSchemas(item, `${pointer}/${i}`));
  if (!isObject(node)) return [];
  const own: Array<[string, Record<string, unknown>]> = node['type'] === 'object' || 'properties' in node ? [[pointer, node]] : [];
  const nested = Object.entries(node).flatMap(([key, value]) => objectSchemas(value, `${pointer}/${key}`));
  return [...own, ...nested];
};

/** Why an object schema is not closed and complete, or nothing when it is. */
const looseness = (schema: Record<string, unknown>): string[] => {
  const properties = Object.keys(isObject(schema['properties']) ? schema['properties'] : {});
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  return [
    ...(schema['additionalProperties'] === false ? [] : ['additionalProperties is not false']),
    ...(properties.length === 0 ? ['declares no properties'] : []),
    ...properties.filter((name) => !required.includes(name)).map((name) => `"${name}" is not required`),
    ...required.filter((name) => !properties.includes(name)).map((name) => `required "${name}" is not a property`),
  ];
};

describe('event schemas', () => {
  it('name every file <Type>.v<N>.json', () => {
    expect(eventFiles.length).toBeGreaterThan(0);
    expect(eventFiles.filter((file) => !/^[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*\.json$/.test(file))).toEqual([]);
  });

  it('cover every service event type', () => {
    expect(SERVICE_EVENT_TYPES.filter((type) => registry.latestVersion(type) === undefined)).toEqual([]);
  });

  it('describe only service event types', () => {
    expect(registry.types().filter((type) => !(SERVICE_EVENT_TYPES as readonly string[]).includes(type))).toEqual([]);
    expect(registry.types().sort()).toEqual([...SERVICE_EVENT_TYPES].sort());
  });

  it('number the versions of each type 1, 2, … without gaps', () => {
    const gaps = registry.types().filter((type) => registry.versionsOf(type).some((version, i) => version !== i + 1));

    expect(gaps).toEqual([]);
  });

  it.each(eventFiles)('%s has an $id and title that match its file name', (file) => {
    const [, type, version] = /^(\w+)\.v(\d+)\.json$/.exec(file) ?? [];
    const schema = readSchema(file);

    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `https://schemas.order-service.example/events/${file}`,
      title: `${type} v${version}`,
      type: 'object',
    });
  });

  it.each(eventFiles)('%s closes every object (additionalProperties: false) and requires all its properties', (file) => {
    const objects = objectSchemas(readSchema(file));
    const problems = objects.flatMap(([pointer, schema]) => looseness(schema).map((problem) => `${pointer || '/'}: ${problem}`));

    expect(objects.map(([pointer]) => pointer)).toContain('');
    expect(problems).toEqual([]);
  });

  it('finds loose objects, nested ones included (the check above can fail)', () => {
    const loose = {
      type: 'object',
      additionalProperties: false,
      required: ['a'],
      properties: { a: { type: 'string' }, b: { anyOf: [{ type: 'object', required: ['x'], properties: { x: {}, y: {} } }, { type: 'null' }] } },
    };

    const problems = objectSchemas(loose).flatMap(([pointer, schema]) => looseness(schema).map((problem) => `${pointer || '/'}: ${problem}`));

    expect(problems).toEqual(['/: "b" is not required', '/properties/b/anyOf/0: additionalProperties is not false', '/properties/b/anyOf/0: "y" is not required']);
  });
});

describe('upcasters', () => {
  it('give every historical version of every event type a path to the latest version', () => {
    expect(new EventCodec(registry).missingUpcasterPaths()).toEqual([]);
  });

  it('exist only for a type and version that has a newer version to upcast to', () => {
    const dangling = Object.entries(upcasters).flatMap(([type, steps]) =>
      Object.keys(steps)
        .map(Number)
        .filter((version) => !registry.validator(type, version) || !registry.validator(type, version + 1))
        .map((version) => `${type} v${version} → v${version + 1}`),
    );

    expect(dangling).toEqual([]);
  });

  it('are exercised: some event type really has more than one version', () => {
    const evolved = registry.types().filter((type) => registry.versionsOf(type).length > 1);

    expect(evolved).toEqual(expect.arrayContaining(['CustomerRegistered', 'OrderItemAdded']));
  });
});
