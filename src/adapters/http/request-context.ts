import type { Request } from 'express';
import type { IdGenerator } from '../../application/ports';
import type { Principal } from './api-keys';

/** What the adapter knows about a request in flight: for logs, metrics, event metadata and the error mapper. */
export interface RequestContext {
  readonly correlationId: string;
  /** performance.now() when the request reached its route (or the fallback). */
  readonly started: number;
  /** The route template for metrics and logs (never the raw path); "unmatched" for unknown routes. */
  readonly route: string;
  principal: Principal | null;
  /** The request named a revision: a concurrency conflict is then 412, not 409. */
  ifMatch: boolean;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CONTEXT = Symbol('order-service.request-context');

type WithContext = Request & { [CONTEXT]?: RequestContext };

export const beginRequest = (req: Request, route: string, ids: IdGenerator): RequestContext => {
  const given = req.headers['x-correlation-id'];
  const context: RequestContext = {
    correlationId: typeof given === 'string' && CORRELATION_ID.test(given) ? given : ids.newId(),
    started: performance.now(),
    route,
    principal: null,
    ifMatch: false,
  };
  (req as WithContext)[CONTEXT] = context;
  return context;
};

/** The request's context; created on the spot for requests that never reached a route (404, 405). */
export const contextOf = (req: Request, ids: IdGenerator): RequestContext => (req as WithContext)[CONTEXT] ?? beginRequest(req, 'unmatched', ids);
