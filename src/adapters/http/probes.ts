import type { HealthCheck } from '../../application/ports';
import type { ProbeAnswer, ProbeDependencies, ProbeRoute } from './route';

/** How long /readyz waits for one check before calling it failed. */
export const CHECK_TIMEOUT_MS = 2_000;

const JSON_TYPE = 'application/json; charset=utf-8';
const json = (status: number, body: unknown): ProbeAnswer => ({ status, contentType: JSON_TYPE, text: JSON.stringify(body) });
const HEALTHY = json(200, { status: 'ok' });

interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

const runCheck = async (check: HealthCheck): Promise<CheckResult> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ name: check.name, ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    const outcome = check.check().then(
      (r): CheckResult => ({ name: check.name, ok: r.ok, ...(r.detail === undefined ? {} : { detail: r.detail }) }),
      // The error text may name hosts or credentials: the probe is open, so it says only that the check failed.
      (): CheckResult => ({ name: check.name, ok: false, detail: 'check failed' }),
    );
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** Ready when every store answers; projection runner states are reported alongside (they do not gate readiness). */
const readiness = async ({ readiness: checks, application }: ProbeDependencies): Promise<ProbeAnswer> => {
  const [results, projections] = await Promise.all([
    Promise.all(checks.map(runCheck)),
    application.operations.list().then(
      (list) => list.map(({ name, mode, state, lag }) => ({ name, mode, state, lag })),
      () => null,
    ),
  ]);
  const all = projections ? results : [...results, { name: 'projections', ok: false, detail: 'projection status unavailable' }];
  const ready = all.every((c) => c.ok);
  return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: all, projections: projections ?? [] });
};

const probe = (spec: Pick<ProbeRoute, 'operationId' | 'path' | 'summary' | 'response' | 'probe'> & { readonly description?: string }, run: ProbeRoute['run']): ProbeRoute => ({
  ...spec,
  kind: 'probe',
  method: 'get',
  role: null,
  tag: 'probes',
  params: {},
  body: null,
  query: null,
  status: 200,
  run,
});

/** Open routes: liveness, readiness, Prometheus metrics and the OpenAPI document. */
export const probeRoutes: readonly ProbeRoute[] = [
  probe({ operationId: 'health', path: '/healthz', summary: 'Liveness: 200 while the process runs', response: 'Health', probe: true }, async () => HEALTHY),
  probe(
    { operationId: 'ready', path: '/readyz', summary: 'Readiness: 200 when every store answers, else 503; projection states alongside', response: 'Readiness', probe: true },
    readiness,
  ),
  probe(
    {
      operationId: 'metrics',
      path: '/metrics',
      summary: 'Prometheus metrics',
      description: 'Request latency by route template, commands by outcome, projection checkpoint, lag and parked count.',
      response: null,
      probe: true,
    },
    async ({ metrics }) => {
      const { contentType, body } = await metrics.render();
      return { status: 200, contentType, text: body };
    },
  ),
  probe({ operationId: 'openapi', path: '/openapi.json', summary: 'This API as an OpenAPI 3.1 document', response: null, probe: false }, async ({ openapi }) => ({
    status: 200,
    contentType: JSON_TYPE,
    text: openapi(),
  })),
];
