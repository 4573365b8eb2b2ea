import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../../application/ports';

/** Prometheus metrics of one process, exposed as text by the HTTP adapter's /metrics. */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly commandDuration: Histogram<'command'>;
  private readonly projectionEvents: Counter<'projection'>;
  private readonly projectionBatchSeconds: Histogram<'projection'>;
  private readonly parked: Counter<'projection'>;
  readonly projectionLag: Gauge<'projection'>;
  readonly projectionCheckpoint: Gauge<'projection'>;
  readonly parkedCount: Gauge<'projection'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.commands = new Counter({ name: 'commands_total', help: 'Commands handled, by type and outcome', labelNames: ['command', 'outcome'], registers });
    this.commandDuration = new Histogram({ name: 'command_duration_seconds', help: 'Command handling time', labelNames: ['command'], registers });
    this.projectionEvents = new Counter({ name: 'projection_events_total', help: 'Events applied by projection', labelNames: ['projection'], registers });
    this.projectionBatchSeconds = new Histogram({ name: 'projection_batch_duration_seconds', help: 'Time to apply one batch', labelNames: ['projection'], registers });
    this.parked = new Counter({ name: 'projection_events_parked_total', help: 'Events parked by projection', labelNames: ['projection'], registers });
    this.projectionLag = new Gauge({ name: 'projection_lag', help: 'Distance from checkpoint to head of the log (events; bytes on EventStoreDB)', labelNames: ['projection'], registers });
    this.projectionCheckpoint = new Gauge({ name: 'projection_checkpoint', help: 'Commit position of the projection checkpoint', labelNames: ['projection'], registers });
    this.parkedCount = new Gauge({ name: 'projection_parked_events', help: 'Events currently parked', labelNames: ['projection'], registers });
  }

  commandCompleted(commandType: string, outcome: string, seconds: number): void {
    this.commands.inc({ command: commandType, outcome });
    this.commandDuration.observe({ command: commandType }, seconds);
  }

  projectionBatch(projection: string, events: number, seconds: number): void {
    this.projectionEvents.inc({ projection }, events);
    this.projectionBatchSeconds.observe({ projection }, seconds);
  }

  eventParked(projection: string): void {
    this.parked.inc({ projection });
  }
}
