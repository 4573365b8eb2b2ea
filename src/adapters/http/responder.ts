import type { Request, Response } from 'express';
import type { Logger } from '../../application/ports';
import type { RequestContext } from './request-context';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface RequestObserver {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Writes every answer of the adapter: the static security headers, the correlation id, one
 * writeHead + end (no per-response header bookkeeping), then one latency observation. Successful
 * requests are not logged (metrics count them); slow ones are.
 */
export class Responder {
  constructor(
    private readonly staticHeaders: readonly string[],
    private readonly observer: RequestObserver,
    private readonly logger: Logger,
    private readonly slowRequestMs: number,
  ) {}

  send(req: Request, res: Response, context: RequestContext, status: number, contentType: string | null, text: string | null, headers: readonly string[] = []): void {
    const head = this.staticHeaders.concat('X-Correlation-Id', context.correlationId, headers);
    if (text !== null && contentType !== null) head.push('Content-Type', contentType, 'Content-Length', String(Buffer.byteLength(text)));
    res.writeHead(status, head);
    res.end(text ?? undefined);
    const seconds = (performance.now() - context.started) / 1000;
    const method = METHODS.has(req.method) ? req.method : 'OTHER';
    this.observer.observeRequest(method, context.route, status, seconds);
    if (seconds * 1000 >= this.slowRequestMs) {
      this.logger.warn({ correlationId: context.correlationId, method, route: context.route, status, ms: Math.round(seconds * 1000) }, 'slow request');
    }
  }

  json(req: Request, res: Response, context: RequestContext, status: number, body: unknown, headers: readonly string[] = []): void {
    this.send(req, res, context, status, JSON_CONTENT_TYPE, JSON.stringify(body), headers);
  }
}
