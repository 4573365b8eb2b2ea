import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpSchemas, loadHttpSchemas, assertValid } from '../../../src/adapters/http/http-schemas';
import { routes } from '../../../src/adapters/http/routes';
import { byRegistrationOrder, expressPath, paramNames } from '../../../src/adapters/http/route';
import { ValidationFailed } from '../../../src/application/ports';

type Json = Record<string, unknown>;
const schemas = new HttpSchemas();

/** Every object schema reachable from a node, with its JSON pointer. */
const objectsIn = (node: unknown, pointer = ''): [string, Json][] => {
  if (node === null || typeof node !== 'object') return [];
  const here: [string, Json][] = (node as Json)['type'] === 'object' && (node as Json)['properties'] ? [[pointer, node as Json]] : [];
  return [...here, ...Object.entries(node as Json).flatMap(([key, value]) => objectsIn(value, `${pointer}/${key}`))];
};

describe('schemas/http', () => {
  it('has a schema for every body, query string and response the route table names', () => {
    for (const route of routes) {
      if (route.body) expect(schemas.has('requests', route.body)).toBe(true);
      if (route.query) expect(schemas.has('queries', route.query)).toBe(true);
      if (route.response) expect(schemas.has('responses', route.response)).toBe(true);
    }
    const used = new Set(routes.flatMap((r) => [r.body, r.query].filter(Boolean)));
    expect(schemas.all.filter((s) => (s.folder === 'requests' || s.folder === 'queries') && !used.has(s.name)).map((s) => s.name)).toEqual([]);
  });

  it('closes every request and query object (additionalProperties: false) and bounds every string, number and page', () => {
    const common = schemas.schema('common', 'Common');
    const inputs = [...schemas.all.filter((s) => s.folder === 'requests' || s.folder === 'queries'), { name: 'Common', schema: common }];
    for (const { name, schema } of inputs) {
      for (const [pointer, object] of objectsIn(schema)) expect({ name, pointer, closed: object['additionalProperties'] }).toEqual({ name, pointer, closed: false });
    }
    for (const [name, definition] of Object.entries(common['$defs'] as Record<string, Json>)) {
      if (definition['type'] === 'string') expect({ name, bounded: ['maxLength', 'pattern', 'format', 'enum'].some((k) => definition[k] !== undefined) }).toEqual({ name, bounded: true });
      if (definition['type'] === 'integer' && name !== 'Amount') expect({ name, max: typeof definition['maximum'] }).toEqual({ name, max: 'number' });
    }
    expect((common['$defs'] as Record<string, Json>)['Limit']).toMatchObject({ minimum: 1, maximum: 100 });
  });

  it('coerces query strings (text) but not bodies', () => {
    const query: Json = { limit: '20', customerId: '3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13' };
    assertValid(schemas.validator('queries', 'ListOrdersQuery'), query, 'query string');
    expect(query['limit']).toBe(20);
    expect(() => assertValid(schemas.validator('queries', 'ListOrdersQuery'), { limit: ['1', '2'] }, 'query string')).toThrow(ValidationFailed);
    expect(() => assertValid(schemas.validator('requests', 'AddItemRequest'), { productId: '3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13', quantity: '1' }, 'request body')).toThrow(ValidationFailed);
  });

  it('reports violations with a path per field', () => {
    try {
      assertValid(schemas.validator('requests', 'AddProductRequest'), { sku: '', name: 'n', price: { amount: -1, currency: 'eur' }, extra: 1 }, 'request body');
      throw new Error('expected a violation');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationFailed);
      expect((error as ValidationFailed).violations.map((v) => v.path).sort()).toEqual(['', '/price/amount', '/price/currency', '/sku']);
      expect((error as ValidationFailed).violations.find((v) => v.path === '')?.message).toBe('must NOT have additional property "extra"');
    }
  });

  it('accepts only lower-case UUIDs as ids, and exactly one of revision and at for an order state', () => {
    const uuid = schemas.parameter('Uuid');
    expect(uuid('3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13')).toBe(true);
    expect(['3F1B7C52-8A0E-4D7B-9C61-2B5E0F4A9D13', 'urn:uuid:3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13', 'nope'].some((id) => uuid(id))).toBe(false);
    const state = schemas.validator('queries', 'OrderStateQuery');
    expect([{ revision: '1' }, { at: '2024-01-01T00:00:00Z' }].every((q) => state({ ...q }))).toBe(true);
    expect([{}, { revision: '1', at: '2024-01-01T00:00:00Z' }, { revision: '-1' }].some((q) => state({ ...q }))).toBe(false);
  });

  it('refuses a schema file whose $id or title does not match its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'http-schemas-'));
    for (const folder of ['requests', 'queries', 'responses']) mkdirSync(join(dir, folder));
    writeFileSync(join(dir, 'common.json'), JSON.stringify({ $id: 'https://schemas.order-service.example/http/common.json', $defs: {} }));
    writeFileSync(join(dir, 'requests', 'A.json'), JSON.stringify({ $id: 'https://schemas.order-service.example/http/requests/B.json', title: 'A', type: 'object' }));
    expect(() => loadHttpSchemas(dir)).toThrow(/must have \$id/);
  });
});

describe('the route table', () => {
  it('names every path parameter and registers literal segments before parameters', () => {
    for (const route of routes) expect(Object.keys(route.params).sort()).toEqual(paramNames(route.path).sort());
    expect(expressPath('/orders/{id}/items/{productId}')).toBe('/orders/:id/items/:productId');
    const ordered = [...routes].sort(byRegistrationOrder).map((r) => r.path);
    expect(ordered.indexOf('/orders/search')).toBeLessThan(ordered.indexOf('/orders/{id}'));
    expect(ordered.indexOf('/ops/projections/{name}/rebuild')).toBeGreaterThan(ordered.indexOf('/orders/{id}'));
    expect(ordered.slice(0, 3)).toEqual(['/orders', '/orders', '/orders/search']);
  });

  it('has one route per method and path, and unique operation ids', () => {
    expect(new Set(routes.map((r) => `${r.method} ${r.path}`)).size).toBe(routes.length);
    expect(new Set(routes.map((r) => r.operationId)).size).toBe(routes.length);
  });

  it('gives commands the writer role, queries the reader role, operations admin, probes none', () => {
    for (const route of routes) {
      const expected = { command: 'writer', query: 'reader', operation: 'admin', probe: null }[route.kind];
      expect({ route: route.operationId, role: route.role }).toEqual({ route: route.operationId, role: expected });
    }
  });
});
