import { STATUS_CODES } from 'node:http';
import { ConcurrencyError, NotFound, NotYetConsistent, StoreUnavailable, ValidationFailed } from '../../application/ports';
import { AggregateNotFound, DomainError } from '../../domain';

/** RFC 9457 problem types live under this URI; the last segment is a slug or a domain error code. */
export const PROBLEM_BASE = 'https://order-service.example/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Violations listed in one answer: enough to fix a request, bounded for a hostile one. */
const MAX_VIOLATIONS = 50;

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly correlationId: string;
  readonly [extension: string]: unknown;
}

export interface ProblemAnswer {
  readonly status: number;
  readonly body: Problem;
  /** Flat name/value list: Retry-After, WWW-Authenticate, Allow. */
  readonly headers: readonly string[];
  /** 5xx other than "not yet consistent" are logged, with the error, under the correlation id. */
  readonly log: 'error' | 'warn' | null;
}

/** What the mapper needs to know about the request. */
export interface ProblemContext {
  readonly instance: string;
  readonly correlationId: string;
  /** A concurrency conflict is 412 when the client asked for a revision (If-Match), 409 otherwise. */
  readonly ifMatch: boolean;
}

interface ProblemOptions {
  readonly title?: string;
  readonly code?: string;
  readonly headers?: readonly string[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** An error the HTTP adapter raises itself (auth, media type, routing, idempotency): it carries its answer. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly detail: string,
    readonly options: ProblemOptions = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

const AUTH_REALM = 'Bearer realm="order-service"';

export const problems = {
  unauthorized: (detail: string, invalidKey: boolean) =>
    new HttpProblem(401, 'unauthorized', detail, { headers: ['WWW-Authenticate', invalidKey ? `${AUTH_REALM}, error="invalid_token"` : AUTH_REALM] }),
  forbidden: (role: string) => new HttpProblem(403, 'forbidden', `This operation needs the ${role} role`),
  unsupportedMediaType: () => new HttpProblem(415, 'unsupported-media-type', 'Send the request body as application/json'),
  routeNotFound: () => new HttpProblem(404, 'not-found', 'No such resource'),
  methodNotAllowed: (allow: string) => new HttpProblem(405, 'method-not-allowed', `Allowed methods: ${allow}`, { headers: ['Allow', allow] }),
  resourceNotFound: (what: string) => new HttpProblem(404, 'not-found', `The ${what} does not exist (or is not in the read model yet: send X-Min-Position)`),
  idempotencyKeyReused: () =>
    new HttpProblem(422, 'IdempotencyKeyReused', 'This Idempotency-Key was already used with a different request', { code: 'IdempotencyKeyReused' }),
};

/** Errors that body-parser (http-errors, with a stable `type`) and the router (a URIError for a bad %-escape) raise with a status; their messages are not for clients. */
interface ParserError {
  readonly status: number;
  readonly type?: string;
}
const isParserError = (error: unknown): error is ParserError => error instanceof Error && typeof (error as { status?: unknown }).status === 'number';

const PARSER_PROBLEMS: Readonly<Record<string, readonly [number, string, string]>> = {
  'entity.too.large': [413, 'payload-too-large', 'The request body is larger than 64 KiB'],
  'entity.parse.failed': [400, 'malformed-json', 'The request body is not valid JSON (a JSON object is expected)'],
  'entity.verify.failed': [400, 'malformed-json', 'The request body is not valid JSON (a JSON object is expected)'],
  'encoding.unsupported': [415, 'unsupported-media-type', 'The Content-Encoding of the request body is not supported'],
  'charset.unsupported': [415, 'unsupported-media-type', 'The request body must be UTF-8 JSON'],
  'request.aborted': [400, 'bad-request', 'The request body was not received completely'],
  'request.size.invalid': [400, 'bad-request', 'The request body does not match its Content-Length'],
};

/** "OrderNotDraft" → "Order not draft": a stable, readable title per problem type. */
const titleOfCode = (code: string): string => {
  const words = code.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const answer = (context: ProblemContext, status: number, slug: string, detail: string, options: ProblemOptions = {}, log: ProblemAnswer['log'] = null): ProblemAnswer => ({
  status,
  body: {
    type: `${PROBLEM_BASE}${slug}`,
    title: options.title ?? STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: context.instance,
    correlationId: context.correlationId,
    ...(options.code === undefined ? {} : { code: options.code }),
    ...options.extensions,
  },
  headers: options.headers ?? [],
  log,
});

/** THE mapping from error classes to problem details; nothing else in the adapter picks an error status. */
export const toProblem = (error: unknown, context: ProblemContext): ProblemAnswer => {
  if (error instanceof HttpProblem) return answer(context, error.status, error.slug, error.detail, error.options);
  if (error instanceof ValidationFailed) {
    const violations = error.violations.slice(0, MAX_VIOLATIONS).map(({ path, message }) => ({ path, message }));
    return answer(context, 400, 'validation-failed', `The ${error.subject} is invalid`, { title: 'Request validation failed', extensions: { violations } });
  }
  if (error instanceof AggregateNotFound) return answer(context, 404, error.code, error.message, { title: titleOfCode(error.code), code: error.code });
  if (error instanceof DomainError) return answer(context, 422, error.code, error.message, { title: titleOfCode(error.code), code: error.code });
  if (error instanceof NotFound) return answer(context, 404, 'not-found', `The ${error.what} ${error.id} does not exist`);
  if (error instanceof ConcurrencyError) {
    const current = error.actualRevision === null ? {} : { extensions: { currentRevision: error.actualRevision } };
    return context.ifMatch
      ? answer(context, 412, 'precondition-failed', 'The resource is no longer at the revision given in If-Match', current)
      : answer(context, 409, 'concurrency-conflict', 'The resource kept changing while the command was retried; send it again', current);
  }
  if (error instanceof NotYetConsistent) {
    return answer(context, 503, 'not-yet-consistent', 'The read model has not reached X-Min-Position yet; retry after the given delay', {
      headers: ['Retry-After', String(error.retryAfterSeconds)],
    });
  }
  if (error instanceof StoreUnavailable) {
    return answer(context, 503, 'store-unavailable', 'A backing store is unavailable; retry later', { headers: ['Retry-After', '1'] }, 'warn');
  }
  if (isParserError(error)) {
    const known = error.type === undefined ? undefined : PARSER_PROBLEMS[error.type];
    if (known) return answer(context, known[0], known[1], known[2]);
    if (error.status >= 400 && error.status < 500) return answer(context, error.status, 'bad-request', 'The request could not be understood (check its encoding)');
  }
  return answer(
    context,
    500,
    'internal-error',
    `An unexpected error occurred; quote correlation id ${context.correlationId} when reporting it`,
    {},
    'error',
  );
};
