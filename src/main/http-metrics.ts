import type { HttpMetrics } from '../adapters/http';
import type { PrometheusMetrics } from '../adapters/runtime/prometheus-metrics';
import { parsePosition } from '../application/ports';
import type { ProjectionOperations } from '../application/projections/projection-operations';

/** /metrics: request latencies as they happen; projection checkpoint, lag and parked counts refreshed on each scrape. */
export const httpMetrics = (metrics: PrometheusMetrics, operations: ProjectionOperations): HttpMetrics => ({
  observeRequest: (method, route, status, seconds) => metrics.httpDuration.observe({ method, route, status: String(status) }, seconds),
  render: async () => {
    for (const projection of await operations.list()) {
      const labels = { projection: projection.name };
      metrics.projectionLag.set(labels, projection.lag ?? 0);
      metrics.projectionCheckpoint.set(labels, projection.checkpoint === null ? 0 : Number(parsePosition(projection.checkpoint)[0]));
      metrics.parkedCount.set(labels, projection.parked);
    }
    return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
  },
});
