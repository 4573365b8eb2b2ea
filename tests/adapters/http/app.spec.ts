import request from 'supertest';
import { createProbeApp } from '../../../src/adapters/http';
import { staticSecurityHeaders } from '../../../src/adapters/http/security-headers';
import { StoreUnavailable, type HealthCheck, type Logger } from '../../../src/application/ports';
import { buildTestService, testHttpMetrics, TEST_KEYS, testKeyMap, type TestService } from '../../support/http';

const recordingLogger = () => {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
};
const ORDER = '3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13';
const reader = { Authorization: `Bearer ${TEST_KEYS.reader}` };

describe('the HTTP app', () => {
  let service: TestService;
  afterEach(() => service?.close());

  it('answers an unexpected error with 500 and only the correlation id, and logs the error under that id', async () => {
    const { logger, lines } = recordingLogger();
    service = await buildTestService({ apiKeys: testKeyMap(), logger, projections: false });
    jest.spyOn(service.application.queries, 'execute').mockRejectedValue(new Error('connection string postgres://admin:hunter2@db/x'));
    const res = await request(service.app).get(`/orders/${ORDER}`).set(reader).set('X-Correlation-Id', 'trace-500');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      type: 'https://order-service.example/problems/internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; quote correlation id trace-500 when reporting it',
      instance: `/orders/${ORDER}`,
      correlationId: 'trace-500',
    });
    expect(res.text).not.toContain('hunter2');
    const logged = lines.filter((l) => l.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({ correlationId: 'trace-500', route: '/orders/{id}', method: 'GET', status: 500, err: expect.any(Error) });
  });

  it('logs an unavailable store as a warning and answers 503 with Retry-After', async () => {
    const { logger, lines } = recordingLogger();
    service = await buildTestService({ apiKeys: testKeyMap(), logger, projections: false });
    jest.spyOn(service.application.queries, 'execute').mockRejectedValue(new StoreUnavailable('mongodb', 'timed out'));
    const res = await request(service.app).get(`/orders/${ORDER}`).set(reader);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields['correlationId'])).toEqual([res.headers['x-correlation-id']]);
  });

  it('does not log successful requests, but logs slow ones with their route template', async () => {
    const { logger, lines } = recordingLogger();
    service = await buildTestService({ logger, projections: false, slowRequestMs: 0 });
    await request(service.app).get('/healthz');
    expect(lines.filter((l) => l.level !== 'debug')).toEqual([{ level: 'warn', message: 'slow request', fields: expect.objectContaining({ route: '/healthz', status: 200, method: 'GET' }) }]);
    const quiet = recordingLogger();
    const fast = await buildTestService({ logger: quiet.logger, projections: false });
    await request(fast.app).get('/healthz');
    await request(fast.app).get(`/orders/${ORDER}`);
    expect(quiet.lines.filter((l) => l.level !== 'debug')).toEqual([]);
    await fast.close();
  });

  it('reports not ready (503) when a check fails, throws or hangs, without the error text', async () => {
    const checks: HealthCheck[] = [
      { name: 'good', check: async () => ({ ok: true }) },
      { name: 'bad', check: async () => ({ ok: false, detail: 'replica set has no primary' }) },
      { name: 'throws', check: async () => Promise.reject(new Error('ECONNREFUSED 10.1.2.3')) },
      { name: 'hangs', check: () => new Promise(() => {}) },
    ];
    service = await buildTestService({ readiness: checks, projections: false });
    const res = await request(service.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('not ready');
    expect(res.body.checks).toEqual([
      { name: 'good', ok: true },
      { name: 'bad', ok: false, detail: 'replica set has no primary' },
      { name: 'throws', ok: false, detail: 'check failed' },
      { name: 'hangs', ok: false, detail: 'no answer within 2000 ms' },
    ]);
    expect(res.text).not.toContain('10.1.2.3');
    expect(res.body.projections).toHaveLength(6);
  }, 10_000);

  it('answers HEAD like GET without a body, and OPTIONS with Allow', async () => {
    service = await buildTestService({ projections: false });
    const head = await request(service.app).head('/healthz');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(JSON.stringify({ status: 'ok' }).length));
    const options = await request(service.app).options(`/orders/${ORDER}/items`);
    expect(options.status).toBe(204);
    expect(options.headers['allow']).toBe('POST, OPTIONS');
    expect(options.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves only the probes in the worker app', async () => {
    service = await buildTestService({ projections: false });
    const { logger } = recordingLogger();
    const probe = createProbeApp({ application: service.application, metrics: testHttpMetrics(service.metrics, service.application), readiness: [], logger });
    expect((await request(probe).get('/healthz')).status).toBe(200);
    expect((await request(probe).get('/readyz')).status).toBe(200);
    expect((await request(probe).get('/metrics')).text).toContain('http_request_duration_seconds');
    const missing = await request(probe).get(`/orders/${ORDER}`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await request(probe).get('/openapi.json')).status).toBe(404);
  });

  it("computes helmet's header set once, tuned for a JSON API", () => {
    const headers = staticSecurityHeaders();
    const named = Object.fromEntries(headers.flatMap((value, i) => (i % 2 === 0 ? [[value.toLowerCase(), headers[i + 1]]] : [])));
    expect(named).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
    });
    expect(named).not.toHaveProperty('x-powered-by');
  });
});
