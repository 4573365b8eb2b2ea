import type { QueryHandler, QueryParams, QueryResults, QueryType } from './query.types';

export class QueryBus {
  private readonly handlers = new Map<QueryType, QueryHandler>();

  constructor(handlers: readonly QueryHandler[]) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.type)) throw new Error(`Two handlers for query ${handler.type}`);
      this.handlers.set(handler.type, handler);
    }
  }

  execute<T extends QueryType>(type: T, params: QueryParams[T]): Promise<QueryResults[T]> {
    const handler = this.handlers.get(type) as QueryHandler<T> | undefined;
    if (!handler) return Promise.reject(new Error(`No handler for query ${type}`));
    return handler.handle(params);
  }

  types(): QueryType[] {
    return [...this.handlers.keys()];
  }
}
