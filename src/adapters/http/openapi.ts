import type { JsonSchema } from '../codec/schema-registry';
import { HTTP_SCHEMA_BASE, type HttpSchemas } from './http-schemas';
import { PROBLEM_CONTENT_TYPE } from './problem-details';
import { paramNames, type Route } from './route';

/** The OpenAPI 3.1 document, generated from the route table and the JSON schemas in schemas/http. */

export type OpenApiDocument = Record<string, unknown> & {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Record<string, unknown>>>;
  readonly components: Record<string, Record<string, unknown>>;
};

const COMMON_ID = `${HTTP_SCHEMA_BASE}common.json`;
const SCHEMAS = '#/components/schemas/';

/** Rewrites a $ref of a schema file (relative to its $id) into a reference inside the document. */
const localRef = (ref: string, baseId: string, names: ReadonlyMap<string, string>): string => {
  const url = new URL(ref, baseId);
  const file = `${url.origin}${url.pathname}`;
  const fragment = decodeURIComponent(url.hash.slice(1));
  if (file === COMMON_ID) {
    const definition = /^\/\$defs\/([A-Za-z0-9]+)$/.exec(fragment);
    if (!definition) throw new Error(`Unsupported reference ${ref} in ${baseId}`);
    return `${SCHEMAS}${definition[1]}`;
  }
  const name = names.get(file);
  if (!name) throw new Error(`Reference ${ref} in ${baseId} names no schema in schemas/http`);
  return `${SCHEMAS}${name}${fragment}`;
};

/** A schema as a component: no $schema/$id (the document's dialect applies), every $ref made local. */
const toComponent = (schema: unknown, baseId: string, names: ReadonlyMap<string, string>): unknown => {
  if (Array.isArray(schema)) return schema.map((item) => toComponent(item, baseId, names));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (key === '$schema' || key === '$id') continue;
    out[key] = key === '$ref' && typeof value === 'string' ? localRef(value, baseId, names) : toComponent(value, baseId, names);
  }
  return out;
};

const ref = (to: string) => ({ $ref: to });

const ERROR_RESPONSES: Readonly<Record<number, string>> = {
  400: 'The body, query string, path or a header does not match its schema (violations listed), or the JSON is malformed',
  401: 'No API key, or an unknown one',
  403: 'The API key lacks the role this route needs',
  404: 'No such resource',
  409: 'The resource kept changing while the command was retried',
  412: 'The resource is no longer at the revision given in If-Match',
  413: 'The request body is larger than 64 KiB',
  415: 'The request body is not application/json',
  422: 'A business rule refused the command (`code` names it), or the Idempotency-Key was used with a different request',
  500: 'Unexpected error: the answer carries only the correlation id, under which it is logged',
  503: 'A store is unavailable, or the read model has not reached X-Min-Position in time (see Retry-After)',
};

const errorStatuses = (route: Route): number[] => {
  if (route.kind === 'probe') return [500];
  const statuses = [400, 401, 403, 404];
  if (route.kind === 'command') statuses.push(409, 412, 422);
  if (route.body) statuses.push(413, 415);
  return [...statuses, 500, 503].sort((a, b) => a - b);
};

const headerParameters = (route: Route): string[] => {
  const headers = ['CorrelationId'];
  if (route.kind === 'command') headers.push('IfMatch', 'IdempotencyKey');
  if (route.kind === 'query') headers.push('MinPosition');
  if (route.kind === 'query' && route.conditional) headers.push('IfNoneMatch');
  return headers;
};

const successResponse = (route: Route): Record<string, unknown> => {
  const headers: Record<string, unknown> = { 'X-Correlation-Id': ref('#/components/headers/CorrelationId') };
  if (route.kind === 'command') {
    headers['ETag'] = ref('#/components/headers/ETag');
    headers['Idempotent-Replayed'] = ref('#/components/headers/IdempotentReplayed');
    if (route.creates) headers['Location'] = ref('#/components/headers/Location');
  }
  if (route.kind === 'query' && route.conditional) headers['ETag'] = ref('#/components/headers/ETag');
  const content =
    route.response !== null
      ? { 'application/json': { schema: ref(`${SCHEMAS}${route.response}`) } }
      : route.operationId === 'metrics'
        ? { 'text/plain': { schema: { type: 'string' } } }
        : { 'application/json': { schema: { type: 'object' } } };
  return { description: route.summary, headers, content };
};

const operationOf = (route: Route, schemas: HttpSchemas, component: (schema: unknown, baseId: string) => unknown): Record<string, unknown> => {
  const parameters: unknown[] = paramNames(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: ref(`${SCHEMAS}${route.params[name]}`),
  }));
  if (route.query) {
    const schema = schemas.schema('queries', route.query);
    const required = new Set((schema['required'] as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((schema['properties'] as Record<string, unknown>) ?? {})) {
      parameters.push({ name, in: 'query', required: required.has(name), schema: component(property, `${HTTP_SCHEMA_BASE}queries/${route.query}.json`) });
    }
  }
  parameters.push(...headerParameters(route).map((name) => ref(`#/components/parameters/${name}`)));
  const responses: Record<string, unknown> = { [String(route.status)]: successResponse(route) };
  if (route.kind === 'query' && route.conditional) responses['304'] = { description: 'Not modified: the ETag still matches If-None-Match' };
  if (route.operationId === 'ready') responses['503'] = { ...successResponse(route), description: 'Not ready: a store does not answer' };
  for (const status of errorStatuses(route)) responses[String(status)] ??= ref(`#/components/responses/Problem${status}`);
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.role ? [{ apiKey: [route.role] }] : [],
    parameters,
    ...(route.body
      ? { requestBody: { required: route.body !== 'EmptyRequest', content: { 'application/json': { schema: ref(`${SCHEMAS}${route.body}`) } } } }
      : {}),
    responses,
  };
};

export const buildOpenApi = (routes: readonly Route[], schemas: HttpSchemas): OpenApiDocument => {
  const names = new Map(schemas.all.filter((s) => s.folder !== 'common').map((s) => [s.id, s.name]));
  const component = (schema: unknown, baseId: string) => toComponent(schema, baseId, names);
  const components: Record<string, unknown> = {};
  const addComponent = (name: string, schema: unknown) => {
    if (name in components) throw new Error(`Two schemas named ${name} in schemas/http`);
    components[name] = schema;
  };
  for (const loaded of schemas.all) {
    if (loaded.folder === 'common') {
      for (const [name, definition] of Object.entries(loaded.schema['$defs'] as Record<string, JsonSchema>)) addComponent(name, component(definition, loaded.id));
    } else {
      addComponent(loaded.name, component(loaded.schema, loaded.id));
    }
  }

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`Two routes for ${route.method.toUpperCase()} ${route.path}`);
    item[route.method] = operationOf(route, schemas, component);
  }

  const problem = (status: number) => ({
    description: ERROR_RESPONSES[status],
    headers: {
      'X-Correlation-Id': ref('#/components/headers/CorrelationId'),
      ...(status === 401 ? { 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Bearer realm="order-service"' } } : {}),
      ...(status === 503 ? { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait before retrying' } } : {}),
    },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: ref(`${SCHEMAS}Problem`) } },
  });
  const header = (name: string, description: string, schema: unknown = { type: 'string' }) => ({ name, in: 'header', required: false, description, schema });

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Order Service',
      version: '1.0.0',
      description:
        'Orders, customers and products over CQRS and event sourcing. Commands answer { id, revision, position }; send the position as X-Min-Position to read your own writes. Errors are application/problem+json (RFC 9457).',
    },
    tags: [
      { name: 'customers' },
      { name: 'products' },
      { name: 'orders' },
      { name: 'stats' },
      { name: 'operations', description: 'Projection operations (admin)' },
      { name: 'probes', description: 'Open: liveness, readiness, metrics, this document' },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from API_KEYS. Roles: reader (queries) ⊂ writer (commands) ⊂ admin (operations). Without configured keys the API is open.',
        },
      },
      parameters: {
        CorrelationId: header('X-Correlation-Id', 'Correlates logs and event metadata; 1-128 of A-Z a-z 0-9 . _ : -. Generated when absent or malformed, always echoed.'),
        IfMatch: header('If-Match', 'A quoted revision ("3"): the command applies only if the stream is still there (else 412). Without it, conflicts are retried.', {
          type: 'string',
          pattern: '^"(0|[1-9][0-9]{0,15})"$',
        }),
        IdempotencyKey: header('Idempotency-Key', 'Same key and body: the first answer again, no new events. Same key, other request: 422.', {
          type: 'string',
          pattern: '^[\\x21-\\x7e]{1,255}$',
        }),
        MinPosition: header('X-Min-Position', "A command's position: wait (bounded) until the read model has applied it, else 503 with Retry-After.", ref(`${SCHEMAS}Position`)),
        IfNoneMatch: header('If-None-Match', 'The ETag of a previous answer: 304 while the order is still at that revision.'),
      },
      headers: {
        CorrelationId: { description: 'The request correlation id (sent or generated)', schema: { type: 'string' } },
        ETag: { description: 'The stream revision, quoted: "3"', schema: { type: 'string' } },
        Location: { description: 'The created resource', schema: { type: 'string' } },
        IdempotentReplayed: { description: '"true" when the answer is a replay of an earlier request with the same Idempotency-Key', schema: { type: 'string' } },
      },
      responses: Object.fromEntries(Object.keys(ERROR_RESPONSES).map((status) => [`Problem${status}`, problem(Number(status))])),
    },
  };
};
