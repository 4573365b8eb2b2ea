/** Small ports the application needs from its runtime: time, ids, logs and metrics. */

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A fresh random UUID. */
  newId(): string;
  /** A UUID derived deterministically from `name` (UUIDv5 in the service's namespace). */
  deriveId(name: string): string;
}

export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export type CommandOutcome = 'ok' | 'rejected' | 'conflict' | 'error';

export interface Metrics {
  commandCompleted(commandType: string, outcome: CommandOutcome, seconds: number): void;
  projectionBatch(projection: string, events: number, seconds: number): void;
  eventParked(projection: string): void;
}

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: Metrics = { commandCompleted: () => {}, projectionBatch: () => {}, eventParked: () => {} };

/** One dependency the readiness probe reports on (a store, a subscription). */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<{ readonly ok: boolean; readonly detail?: string }>;
}
