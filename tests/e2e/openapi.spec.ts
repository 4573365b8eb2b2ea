// /openapi.json against the express app it describes: every registered route is documented, every
// documented operation is registered, and the document holds together (3.1 fields, every $ref resolves,
// every schema compiles as JSON Schema 2020-12).
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestService, type TestService } from '../support/http';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** "METHOD /path/{param}" for every route in the express router stack. */
const registeredRoutes = (app: Express): string[] => {
  const stack = (app.router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack;
  return stack
    .filter((layer) => layer.route)
    .flatMap(({ route }) => {
      const path = (route as { path: string }).path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      return Object.keys((route as { methods: Record<string, boolean> }).methods).map((method) => `${method.toUpperCase()} ${path}`);
    })
    .sort();
};

const documentedOperations = (doc: Json): string[] =>
  Object.entries(doc['paths'] as Record<string, Json>)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

const resolvePointer = (doc: unknown, ref: string): unknown => {
  if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
};

const refsIn = (node: unknown, found: string[] = []): string[] => {
  if (Array.isArray(node)) node.forEach((item) => refsIn(item, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
};

describe('the OpenAPI document', () => {
  let service: TestService;
  let doc: Json;

  beforeAll(async () => {
    service = await buildTestService({ projections: false });
    const res = await request(service.app).get('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as Json;
  });
  afterAll(() => service.close());

  it('documents every registered route, and every documented operation is registered', () => {
    const registered = registeredRoutes(service.app);
    expect(registered.length).toBeGreaterThanOrEqual(29);
    expect(documentedOperations(doc)).toEqual(registered);
  });

  it('has the OpenAPI 3.1 root fields', () => {
    expect(doc['openapi']).toMatch(/^3\.1\.\d+$/);
    expect(doc['info']).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
    expect(doc['jsonSchemaDialect']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(doc['paths'] as Json).every((path) => path.startsWith('/'))).toBe(true);
  });

  it('gives every operation a unique id, responses, matching path parameters and a known security role', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc['paths'] as Record<string, Json>)) {
      for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
        const where = `${method.toUpperCase()} ${path}`;
        const operationId = operation['operationId'] as string;
        expect({ where, unique: !ids.has(operationId) }).toEqual({ where, unique: true });
        ids.add(operationId);
        expect(Object.keys(operation['responses'] as Json).length).toBeGreaterThan(0);
        const parameters = ((operation['parameters'] as Json[]) ?? []).map((p) => (p['$ref'] ? (resolvePointer(doc, p['$ref'] as string) as Json) : p));
        const inPath = parameters.filter((p) => p['in'] === 'path').map((p) => p['name']).sort();
        expect({ where, params: inPath }).toEqual({ where, params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort() });
        for (const requirement of operation['security'] as Record<string, string[]>[]) {
          expect(Object.keys(requirement)).toEqual(['apiKey']);
          expect(['reader', 'writer', 'admin']).toEqual(expect.arrayContaining(requirement['apiKey'] as string[]));
        }
      }
    }
  });

  it('resolves every $ref inside the document', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(100);
    expect(refs.filter((ref) => resolvePointer(doc, ref) === undefined)).toEqual([]);
  });

  it('has component schemas that compile as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const id = 'https://order-service.example/openapi.json';
    // The document root as a schema resource, so "#/components/schemas/X" resolves as it does for OpenAPI tools.
    ajv.addSchema({ $id: id, components: (doc['components'] as Json) }, id);
    const names = Object.keys((doc['components'] as Record<string, Json>)['schemas'] as Json);
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) expect(() => ajv.compile({ $ref: `${id}#/components/schemas/${name}` })).not.toThrow();
    const problem = ajv.compile({ $ref: `${id}#/components/schemas/Problem` });
    expect(problem({ type: 'https://order-service.example/problems/x', title: 'X', status: 400, detail: 'd', instance: '/x' })).toBe(true);
    const accepted = ajv.compile({ $ref: `${id}#/components/schemas/CommandAccepted` });
    expect(accepted({ id: '3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13', revision: 0, position: '1' })).toBe(true);
    expect(accepted({ id: 'nope', revision: 0, position: '1' })).toBe(false);
  });

  it('documents the request body, query parameters and problem answers of the routes that have them', () => {
    const paths = doc['paths'] as Record<string, Record<string, Json>>;
    const addItem = paths['/orders/{id}/items']?.['post'] as Json;
    expect(addItem['requestBody']).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AddItemRequest' } } } });
    expect(Object.keys(addItem['responses'] as Json)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409', '412', '413', '415', '422', '503']));
    const listOrders = paths['/orders']?.['get'] as Json;
    expect((listOrders['parameters'] as Json[]).filter((p) => p['in'] === 'query').map((p) => p['name'])).toEqual(['customerId', 'status', 'limit', 'cursor']);
    expect(paths['/orders']?.['post']?.['responses']).toHaveProperty('201');
    expect(paths['/healthz']?.['get']?.['security']).toEqual([]);
  });
});
