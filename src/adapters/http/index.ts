/** The HTTP adapter (express 5): the one route table, auth, problem details, idempotency, OpenAPI. */
export { createHttpApp, createProbeApp, type HttpDependencies, type HttpMetrics } from './app';
export type { Role } from './api-keys';
