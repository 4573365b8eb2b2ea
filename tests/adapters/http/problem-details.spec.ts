import { ConcurrencyError, NotFound, NotYetConsistent, StoreUnavailable, ValidationFailed } from '../../../src/application/ports';
import { CustomerNotFound, EmptyOrder, InvalidValue, OrderNotFound } from '../../../src/domain';
import { HttpProblem, PROBLEM_BASE, problems, toProblem, type ProblemContext } from '../../../src/adapters/http/problem-details';

const context: ProblemContext = { instance: '/orders/42/submit', correlationId: 'corr-1', ifMatch: false };
const withStatus = (status: number, type: string) => Object.assign(new Error('internal parser text'), { status, statusCode: status, expose: true, type });

describe('toProblem: the one mapping from errors to RFC 9457 answers', () => {
  it('fills the RFC fields and the correlation id on every answer', () => {
    const { body } = toProblem(new EmptyOrder('42'), context);
    expect(body).toEqual({
      type: `${PROBLEM_BASE}EmptyOrder`,
      title: 'Empty order',
      status: 422,
      detail: 'Order 42 has no items and cannot be submitted',
      instance: '/orders/42/submit',
      correlationId: 'corr-1',
      code: 'EmptyOrder',
    });
  });

  it('maps schema violations to 400 with the list, bounded', () => {
    const many = Array.from({ length: 80 }, (_, i) => ({ path: `/k${i}`, message: 'must NOT have additional properties' }));
    const answer = toProblem(new ValidationFailed('request body', many), context);
    expect(answer).toMatchObject({ status: 400, body: { type: `${PROBLEM_BASE}validation-failed`, detail: 'The request body is invalid' }, log: null });
    expect(answer.body['violations']).toHaveLength(50);
    expect((answer.body['violations'] as unknown[])[0]).toEqual({ path: '/k0', message: 'must NOT have additional properties' });
  });

  it('maps a missing aggregate to 404 with its code, and other domain errors to 422 with theirs', () => {
    expect(toProblem(new OrderNotFound('42'), context)).toMatchObject({ status: 404, body: { code: 'OrderNotFound', type: `${PROBLEM_BASE}OrderNotFound` } });
    expect(toProblem(new CustomerNotFound('7'), context).status).toBe(404);
    expect(toProblem(new InvalidValue('name', 'must not be empty'), context)).toMatchObject({ status: 422, body: { code: 'InvalidValue', detail: 'name: must not be empty' } });
  });

  it('maps NotFound of the ports to 404', () => {
    expect(toProblem(new NotFound('projection', 'nope'), context)).toMatchObject({ status: 404, body: { type: `${PROBLEM_BASE}not-found`, detail: 'The projection nope does not exist' } });
  });

  it('maps a concurrency conflict to 409, or 412 when the request carried If-Match', () => {
    const conflict = new ConcurrencyError('order-42', 3, 4);
    expect(toProblem(conflict, context)).toMatchObject({ status: 409, body: { type: `${PROBLEM_BASE}concurrency-conflict`, currentRevision: 4 } });
    expect(toProblem(conflict, { ...context, ifMatch: true })).toMatchObject({ status: 412, body: { type: `${PROBLEM_BASE}precondition-failed`, currentRevision: 4 } });
    expect(toProblem(conflict, context).body.detail).not.toContain('order-42');
  });

  it('maps "not yet consistent" to 503 with Retry-After, and an unavailable store to 503 (logged as a warning)', () => {
    expect(toProblem(new NotYetConsistent('order-list', '99', 2), context)).toMatchObject({ status: 503, headers: ['Retry-After', '2'], log: null });
    const unavailable = toProblem(new StoreUnavailable('mongodb', 'connect ECONNREFUSED 10.0.0.7:27017'), context);
    expect(unavailable).toMatchObject({ status: 503, headers: ['Retry-After', '1'], log: 'warn' });
    expect(JSON.stringify(unavailable.body)).not.toContain('10.0.0.7');
  });

  it('maps body-parser and router errors by type, never showing their messages', () => {
    expect(toProblem(withStatus(413, 'entity.too.large'), context)).toMatchObject({ status: 413, body: { type: `${PROBLEM_BASE}payload-too-large` } });
    expect(toProblem(withStatus(400, 'entity.parse.failed'), context)).toMatchObject({ status: 400, body: { type: `${PROBLEM_BASE}malformed-json` } });
    expect(toProblem(withStatus(415, 'charset.unsupported'), context).status).toBe(415);
    expect(toProblem(withStatus(415, 'encoding.unsupported'), context).status).toBe(415);
    const badEscape = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400 });
    expect(toProblem(badEscape, context)).toMatchObject({ status: 400, body: { type: `${PROBLEM_BASE}bad-request` } });
    for (const error of [withStatus(413, 'entity.too.large'), withStatus(400, 'entity.parse.failed'), badEscape]) {
      expect(JSON.stringify(toProblem(error, context).body)).not.toMatch(/internal parser text|Failed to decode/);
    }
  });

  it('answers anything else with 500 showing only the correlation id, and asks for it to be logged', () => {
    const answer = toProblem(new TypeError("Cannot read properties of undefined (reading 'password') at /srv/src/x.ts:3:9"), context);
    expect(answer).toMatchObject({ status: 500, log: 'error', body: { type: `${PROBLEM_BASE}internal-error`, correlationId: 'corr-1' } });
    expect(answer.body.detail).toBe('An unexpected error occurred; quote correlation id corr-1 when reporting it');
    expect(JSON.stringify(answer.body)).not.toMatch(/password|x\.ts|TypeError/);
    expect(toProblem('a thrown string', context).status).toBe(500);
    expect(toProblem(Object.assign(new Error('boom'), { status: 502 }), context).status).toBe(500);
  });

  it('passes the adapter\'s own problems through with their headers', () => {
    expect(toProblem(problems.unauthorized('no key', false), context)).toMatchObject({ status: 401, headers: ['WWW-Authenticate', 'Bearer realm="order-service"'] });
    expect(toProblem(problems.unauthorized('bad key', true), context).headers[1]).toContain('error="invalid_token"');
    expect(toProblem(problems.methodNotAllowed('GET, HEAD, OPTIONS'), context)).toMatchObject({ status: 405, headers: ['Allow', 'GET, HEAD, OPTIONS'] });
    expect(toProblem(problems.idempotencyKeyReused(), context)).toMatchObject({ status: 422, body: { code: 'IdempotencyKeyReused' } });
    expect(toProblem(new HttpProblem(418, 'teapot', 'short and stout'), context)).toMatchObject({ status: 418, body: { title: "I'm a Teapot", detail: 'short and stout' } });
  });
});
