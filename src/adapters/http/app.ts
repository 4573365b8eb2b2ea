import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Application } from '../../application/application';
import type { CommandContext, CommandMessage } from '../../application/commands/command.types';
import { isPosition, ValidationFailed, type Clock, type HealthCheck, type IdempotencyStore, type IdGenerator, type Logger } from '../../application/ports';
import { toViolations } from '../codec/schema-registry';
import { ApiKeys, type Role } from './api-keys';
import { HttpSchemas, assertValid } from './http-schemas';
import { IdempotencyGuard, type RecordedAnswer } from './idempotency';
import { buildOpenApi } from './openapi';
import { PROBLEM_CONTENT_TYPE, problems, toProblem, type ProblemAnswer } from './problem-details';
import { beginRequest, contextOf, type RequestContext } from './request-context';
import { JSON_CONTENT_TYPE, Responder } from './responder';
import { byRegistrationOrder, expressPath, type CommandRoute, type ProbeDependencies, type ProbeRoute, type QueryRoute, type Route } from './route';
import { probeOnlyRoutes, routes } from './routes';
import { staticSecurityHeaders } from './security-headers';

export interface HttpMetrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Prometheus text; the composition root refreshes projection gauges on each scrape. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface HttpDependencies {
  readonly application: Application;
  readonly idempotency: IdempotencyStore;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: HttpMetrics;
  /** Empty: the API is open (the composition root warns, and refuses in production). */
  readonly apiKeys: ReadonlyMap<string, Role>;
  /** Stores; /readyz also reports every projection runner's state. */
  readonly readiness: readonly HealthCheck[];
  /** Requests slower than this are logged (default 1000). */
  readonly slowRequestMs?: number;
}

export const BODY_LIMIT = '64kb';
const MAX_INSTANCE_LENGTH = 1024;
const IF_MATCH = /^"(0|[1-9][0-9]{0,15})"$/;
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Everything the route handlers share, built once per app. */
interface Environment {
  readonly application: Application;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly schemas: HttpSchemas;
  readonly keys: ApiKeys;
  readonly guard: IdempotencyGuard | null;
  readonly responder: Responder;
  readonly probes: ProbeDependencies;
}

const hasBody = (req: Request): boolean => {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
};

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

const invalidHeader = (name: string, message: string) => new ValidationFailed('request headers', [{ path: `/headers/${name}`, message }]);

/** Weak comparison (RFC 9110 §13.1.2): W/"3" matches "3"; * matches anything. */
const noneMatch = (req: Request, etag: string): boolean => {
  const value = header(req, 'if-none-match');
  if (value === undefined) return false;
  return value.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
};

/** A recorded answer's headers as a flat name/value list, without Content-Type (the responder sets it). */
const headerList = (headers: Readonly<Record<string, string>>, extra: readonly string[]): string[] => {
  const list: string[] = [];
  for (const name in headers) if (name !== 'Content-Type') list.push(name, headers[name] as string);
  for (const value of extra) list.push(value);
  return list;
};

/** A route's validators and the steps every handler of its kind takes, compiled once. */
const compileRoute = (route: Route, env: Environment) => {
  const { schemas } = env;
  const params = Object.entries(route.params).map(([name, definition]) => [name, schemas.parameter(definition)] as const);
  const body = route.body ? schemas.validator('requests', route.body) : null;
  const query = route.query ? schemas.validator('queries', route.query) : null;

  return {
    /** Context, then authentication and role: nothing else is looked at for an unauthorized caller. */
    begin(req: Request): RequestContext {
      const context = beginRequest(req, route.path, env.ids);
      if (route.role) {
        const principal = env.keys.authenticate(req.headers.authorization);
        ApiKeys.authorize(principal, route.role);
        context.principal = principal;
      }
      return context;
    },
    params(req: Request): Record<string, string> {
      const values = req.params as Record<string, string>;
      for (const [name, validate] of params) {
        if (!validate(values[name])) {
          const violations = toViolations(validate.errors).map((v) => ({ path: `/${name}${v.path}`, message: v.message }));
          throw new ValidationFailed('request path', violations);
        }
      }
      return values;
    },
    query(req: Request): Record<string, unknown> {
      // req.query parses the query string on every access: read it once, and only when there is one.
      if (!req.url.includes('?')) {
        if (query) assertValid(query, {}, 'query string');
        return {};
      }
      const values: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
      if (!query) {
        const names = Object.keys(values);
        if (names.length > 0) throw new ValidationFailed('query string', names.slice(0, 10).map((name) => ({ path: `/${name}`, message: 'this route takes no query parameters' })));
        return values;
      }
      assertValid(query, values, 'query string');
      return values;
    },
    body(req: Request): unknown {
      const value: unknown = req.body ?? {};
      if (body) assertValid(body, value, 'request body');
      return value;
    },
  };
};

// body-parser: JSON objects/arrays only, inflated size bounded; the media type is checked before it runs.
const jsonBody = express.json({ limit: BODY_LIMIT, strict: true, type: () => true });

/**
 * A route that reads a body, as one handler: who is calling first (401/403 without reading the
 * body), then the media type (415), then the JSON parser (400/413), then the route itself.
 */
const withBody =
  (compiled: ReturnType<typeof compileRoute>, run: (req: Request, res: Response, context: RequestContext) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    const context = compiled.begin(req);
    if (hasBody(req) && !JSON_MEDIA_TYPE.test(header(req, 'content-type') ?? '')) throw problems.unsupportedMediaType();
    jsonBody(req, res, (error?: unknown) => {
      if (error) next(error);
      else run(req, res, context).catch(next);
    });
  };

const commandHandlers = (route: CommandRoute, env: Environment): RequestHandler[] => {
  const compiled = compileRoute(route, env);
  const { application, ids, guard, responder } = env;

  const execute = async (context: CommandContext, params: Record<string, string>, body: unknown, newId: () => string): Promise<RecordedAnswer> => {
    const spec = route.toCommand({ params, body: body as never, newId });
    const result = await application.commands.dispatch({ ...spec, context } as CommandMessage);
    if (result.position === null) throw new Error(`${spec.type} succeeded without a position`);
    const headers: Record<string, string> = { 'Content-Type': JSON_CONTENT_TYPE, ETag: `"${result.revision}"` };
    if (route.creates) headers['Location'] = route.creates.replace('{id}', encodeURIComponent(result.id));
    return { status: route.status, headers, body: { id: result.id, revision: result.revision, position: result.position } };
  };

  const send = (req: Request, res: Response, context: RequestContext, answer: RecordedAnswer, extra: readonly string[] = []): void => {
    const contentType = answer.headers['Content-Type'] ?? JSON_CONTENT_TYPE;
    responder.send(req, res, context, answer.status, contentType, JSON.stringify(answer.body), headerList(answer.headers, extra));
  };

  const run = async (req: Request, res: Response, context: RequestContext): Promise<void> => {
    const params = compiled.params(req);
    const body = compiled.body(req);
    const ifMatch = header(req, 'if-match');
    let expectedRevision: number | undefined;
    if (ifMatch !== undefined) {
      const match = IF_MATCH.exec(ifMatch.trim());
      if (!match) throw invalidHeader('If-Match', 'must be one quoted revision, e.g. "3" (the ETag of the resource)');
      expectedRevision = Number(match[1]);
      context.ifMatch = true;
    }
    const key = header(req, 'idempotency-key');
    const actor = context.principal?.actor ?? 'anonymous';
    const commandContext = (commandId: string): CommandContext => ({
      commandId,
      correlationId: context.correlationId,
      actor,
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });

    if (key === undefined || guard === null) {
      send(req, res, context, await execute(commandContext(ids.newId()), params, body, () => ids.newId()));
      return;
    }
    if (!IdempotencyGuard.isValidKey(key)) throw invalidHeader('Idempotency-Key', 'must be 1-255 printable ASCII characters without spaces');
    const scope = guard.scope(actor, key);
    const { answer, replayed } = await guard.run(scope, guard.requestHash(req.method, req.path, body), async () => {
      try {
        return await execute(commandContext(guard.commandId(scope)), params, body, () => guard.createdId(scope));
      } catch (error) {
        // A refusal is an answer too: the same request must be refused the same way, without running again.
        const problem = problemOf(error, req, context);
        if (problem.status !== 422) throw error;
        return { status: problem.status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE }, body: problem.body };
      }
    });
    send(req, res, context, answer, replayed ? ['Idempotent-Replayed', 'true'] : []);
  };

  return [withBody(compiled, run)];
};

const queryHandlers = (route: QueryRoute, env: Environment): RequestHandler[] => {
  const compiled = compileRoute(route, env);
  const { application, responder } = env;

  const answer = async (req: Request, res: Response, context: RequestContext): Promise<void> => {
    const params = compiled.params(req);
    const query = compiled.query(req);
    if (route.body) compiled.body(req);
    const minPosition = header(req, 'x-min-position');
    if (minPosition !== undefined && !isPosition(minPosition)) throw invalidHeader('X-Min-Position', 'must be a position returned by a command, e.g. "42"');
    const consistency = route.consistent && minPosition !== undefined ? { minPosition } : {};
    const result = await route.run(application, { params, query, consistency });
    if (route.conditional && result.revision !== undefined) {
      const etag = `"${result.revision}"`;
      if (noneMatch(req, etag)) {
        responder.send(req, res, context, 304, null, null, ['ETag', etag]);
        return;
      }
      responder.json(req, res, context, route.status, result.body, ['ETag', etag]);
      return;
    }
    responder.json(req, res, context, route.status, result.body);
  };

  if (route.body) return [withBody(compiled, answer)];
  // One handler for a bodyless read: the hot path of the API (GET /orders/{id}) pays for no extra layer.
  return [(req: Request, res: Response) => answer(req, res, compiled.begin(req))];
};

const probeHandlers = (route: ProbeRoute, env: Environment): RequestHandler[] => [
  async (req: Request, res: Response) => {
    const context = beginRequest(req, route.path, env.ids);
    const answer = await route.run(env.probes);
    env.responder.send(req, res, context, answer.status, answer.contentType, answer.text);
  },
];

const handlersOf = (route: Route, env: Environment): RequestHandler[] =>
  route.kind === 'command' ? commandHandlers(route, env) : route.kind === 'probe' ? probeHandlers(route, env) : queryHandlers(route, env);

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** After every route: 404 for unknown paths, 405 (with Allow) for a known path and another method, 204 for OPTIONS. */
const fallback = (table: readonly Route[], env: Environment): RequestHandler => {
  // Express matches paths case-insensitively, with an optional trailing slash: so do these.
  const byPath = new Map<string, { readonly pattern: RegExp; readonly allow: Set<string> }>();
  for (const route of table) {
    const source = `^${route.path.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}/?$`;
    const entry = byPath.get(source) ?? { pattern: new RegExp(source, 'i'), allow: new Set(['OPTIONS']) };
    entry.allow.add(route.method.toUpperCase());
    if (route.method === 'get') entry.allow.add('HEAD');
    byPath.set(source, entry);
  }
  const paths = [...byPath.values()].map(({ pattern, allow }) => ({
    pattern,
    allow: [...allow].sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)).join(', '),
  }));
  return (req: Request, res: Response, next: NextFunction) => {
    const known = paths.find((p) => p.pattern.test(req.path));
    if (!known) return next(problems.routeNotFound());
    if (req.method === 'OPTIONS') {
      env.responder.send(req, res, contextOf(req, env.ids), 204, null, null, ['Allow', known.allow]);
      return;
    }
    next(problems.methodNotAllowed(known.allow));
  };
};

const problemOf = (error: unknown, req: Request, context: RequestContext): ProblemAnswer =>
  toProblem(error, { instance: req.path.slice(0, MAX_INSTANCE_LENGTH), correlationId: context.correlationId, ifMatch: context.ifMatch });

/** THE error middleware: every failure of every route becomes problem+json here. */
const problemMiddleware = (env: Environment): ErrorRequestHandler => (error: unknown, req, res, _next) => {
  const context = contextOf(req, env.ids);
  const problem = problemOf(error, req, context);
  if (problem.log) {
    const fields = { err: error, correlationId: context.correlationId, method: req.method, route: context.route, status: problem.status };
    if (problem.log === 'error') env.logger.error(fields, 'request failed');
    else env.logger.warn(fields, 'request failed');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  env.responder.send(req, res, context, problem.status, PROBLEM_CONTENT_TYPE, JSON.stringify(problem.body), problem.headers);
};

const assemble = (table: readonly Route[], env: Environment): Express => {
  const app = express();
  app.disable('x-powered-by');
  // ETags are stream revisions, set by the routes that have one; express would hash every body.
  app.set('etag', false);
  const ordered = [...table].sort(byRegistrationOrder);
  for (const route of ordered) app[route.method](expressPath(route.path), ...handlersOf(route, env));
  app.use(fallback(ordered, env));
  app.use(problemMiddleware(env));
  return app;
};

// The probe app generates correlation ids only; it derives nothing.
const randomIds: IdGenerator = {
  newId: () => randomUUID(),
  deriveId: () => {
    throw new Error('the probe app derives no ids');
  },
};

const environment = (deps: Pick<HttpDependencies, 'application' | 'metrics' | 'readiness' | 'logger'> & Partial<HttpDependencies>): Environment => {
  const ids = deps.ids ?? randomIds;
  const schemas = new HttpSchemas();
  // Generated (and checked) at start: a route without a schema fails here, not on the first GET /openapi.json.
  const openapi = JSON.stringify(buildOpenApi(routes, schemas));
  return {
    application: deps.application,
    ids,
    logger: deps.logger,
    schemas,
    keys: new ApiKeys(deps.apiKeys ?? new Map()),
    guard: deps.idempotency && deps.clock ? new IdempotencyGuard(deps.idempotency, ids, deps.clock) : null,
    responder: new Responder(staticSecurityHeaders(), deps.metrics, deps.logger, deps.slowRequestMs ?? 1_000),
    probes: { application: deps.application, readiness: deps.readiness, metrics: deps.metrics, openapi: () => openapi },
  };
};

/** The API: every route of the table, problem+json errors, the OpenAPI document. */
export const createHttpApp = (deps: HttpDependencies): Express => assemble(routes, environment(deps));

/** For the worker process: /healthz, /readyz, /metrics only. */
export const createProbeApp = (deps: Pick<HttpDependencies, 'application' | 'metrics' | 'readiness' | 'logger'>): Express =>
  assemble(probeOnlyRoutes, environment(deps));
