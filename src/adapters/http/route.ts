import type { Application } from '../../application/application';
import type { CommandPayloads, CommandType } from '../../application/commands/command.types';
import type { HealthCheck, Position } from '../../application/ports';
import type { Role } from './api-keys';
import type { CommonDefinition } from './http-schemas';

/** One row of the route table: it drives express registration and the OpenAPI document alike. */

export type HttpMethod = 'get' | 'post' | 'delete';

export interface RouteBase {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. /orders/{id}/items/{productId}. */
  readonly path: string;
  /** The role a caller needs; null: open (probes and the OpenAPI document). */
  readonly role: Role | null;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** Every {name} of the path with the common.json definition it must match. */
  readonly params: Readonly<Record<string, CommonDefinition>>;
  /** schemas/http/requests/<body>.json; null: the route reads no body. */
  readonly body: string | null;
  /** schemas/http/queries/<query>.json; null: the route takes no query string. */
  readonly query: string | null;
  /** Success status and schemas/http/responses/<schema>.json (null: not JSON). */
  readonly status: number;
  readonly response: string | null;
}

export type CommandSpec = { [K in CommandType]: { readonly type: K; readonly payload: CommandPayloads[K] } }[CommandType];

export interface CommandInput<B> {
  readonly params: Readonly<Record<string, string>>;
  /** Validated against the route's body schema. */
  readonly body: B;
  /** The id of a resource created without one in the body (stable across Idempotency-Key retries). */
  newId(): string;
}

export interface CommandRoute extends RouteBase {
  readonly kind: 'command';
  readonly body: string;
  /** Location template of the created resource (answered with 201); null: 200. */
  readonly creates: string | null;
  readonly toCommand: (input: CommandInput<never>) => CommandSpec;
}

export interface QueryInput {
  readonly params: Readonly<Record<string, string>>;
  /** Validated (and coerced) against the route's query schema; {} without one. */
  readonly query: Readonly<Record<string, unknown>>;
  /** X-Min-Position, for read-model queries: {} or { minPosition }. */
  readonly consistency: { readonly minPosition?: Position };
}

export interface QueryAnswer {
  readonly body: unknown;
  /** The stream revision the answer reflects: sent as ETag, compared with If-None-Match. */
  readonly revision?: number;
}

export interface QueryRoute extends RouteBase {
  /** query: reads (reader); operation: projection operations (admin). */
  readonly kind: 'query' | 'operation';
  readonly response: string;
  /** Honors X-Min-Position: the route reads a read model. */
  readonly consistent: boolean;
  /** Answers with an ETag and honors If-None-Match (304). */
  readonly conditional: boolean;
  readonly run: (application: Application, input: QueryInput) => Promise<QueryAnswer>;
}

/** What the open routes (probes, OpenAPI) read. */
export interface ProbeDependencies {
  readonly application: Application;
  readonly readiness: readonly HealthCheck[];
  readonly metrics: { render(): Promise<{ contentType: string; body: string }> };
  readonly openapi: () => string;
}

export interface ProbeAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

export interface ProbeRoute extends RouteBase {
  readonly kind: 'probe';
  /** Served by the worker's probe app too. */
  readonly probe: boolean;
  readonly run: (deps: ProbeDependencies) => Promise<ProbeAnswer>;
}

export type Route = CommandRoute | QueryRoute | ProbeRoute;

const PARAM = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

export const paramNames = (path: string): string[] => [...path.matchAll(PARAM)].map((m) => m[1] as string);

/** /orders/{id} → /orders/:id */
export const expressPath = (path: string): string => path.replace(PARAM, ':$1');

/** Literal segments before parameters (/orders/search before /orders/{id}), then by path. */
export const bySpecificity = (a: RouteBase, b: RouteBase): number => {
  const sa = a.path.split('/');
  const sb = b.path.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const pa = (sa[i] as string).startsWith('{');
    const pb = (sb[i] as string).startsWith('{');
    if (pa !== pb) return pa ? 1 : -1;
    if (sa[i] !== sb[i]) return (sa[i] as string) < (sb[i] as string) ? -1 : 1;
  }
  return sa.length - sb.length;
};

// Express tries routes in registration order, one path regex each: the busiest resources go first.
const TRAFFIC_ORDER = ['orders', 'products', 'customers', 'stats'];
const trafficRank = (route: RouteBase): number => {
  const rank = TRAFFIC_ORDER.indexOf(route.path.split('/')[1] ?? '');
  return rank < 0 ? TRAFFIC_ORDER.length : rank;
};

/** The registration order: busiest resource first, then by specificity (which only matters within a resource). */
export const byRegistrationOrder = (a: RouteBase, b: RouteBase): number => trafficRank(a) - trafficRank(b) || bySpecificity(a, b);
