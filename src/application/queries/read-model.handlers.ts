import { collections, type CustomerViewDocument, type DailySalesDocument, type OrderDetailsDocument, type OrderListDocument, type OrderSearchDocument, type ProductCatalogDocument } from '../projections/read-models';
import { ValidationFailed } from '../ports';
import { pageSize, type ReadModelAccess } from './read-model-access';
import type { OrderSummary, QueryHandler, QueryParams, QueryResults } from './query.types';

/** Query handlers over read models: no business logic, just the right document(s) once consistent enough. */

export class GetOrderHandler implements QueryHandler<'GetOrder'> {
  readonly type = 'GetOrder';
  constructor(private readonly access: ReadModelAccess) {}
  handle({ orderId, ...consistency }: QueryParams['GetOrder']): Promise<QueryResults['GetOrder']> {
    return this.access.byId<OrderDetailsDocument>('order-details', collections.orderDetails, orderId, consistency);
  }
}

export class ListOrdersHandler implements QueryHandler<'ListOrders'> {
  readonly type = 'ListOrders';
  constructor(private readonly access: ReadModelAccess) {}
  async handle({ customerId, status, limit, cursor, ...consistency }: QueryParams['ListOrders']): Promise<QueryResults['ListOrders']> {
    await this.access.consistent('order-list', consistency);
    const where = { ...(customerId ? { customerId } : {}), ...(status ? { status } : {}) };
    const page = await this.access.page<OrderListDocument>(collections.orderList, { where, orderBy: { fields: ['createdAt', 'id'], direction: 'desc' } }, limit, cursor);
    return { ...page, items: page.items.map(({ lines: _lines, ...summary }): OrderSummary => summary) };
  }
}

export class SearchOrdersHandler implements QueryHandler<'SearchOrders'> {
  readonly type = 'SearchOrders';
  constructor(private readonly access: ReadModelAccess) {}
  async handle({ q, limit, ...consistency }: QueryParams['SearchOrders']): Promise<QueryResults['SearchOrders']> {
    await this.access.consistent('order-search', consistency);
    const found = await this.access.store.search<OrderSearchDocument>(collections.orderSearch, q, pageSize(limit));
    return found.map((d) => d.data);
  }
}

export class GetCustomerHandler implements QueryHandler<'GetCustomer'> {
  readonly type = 'GetCustomer';
  constructor(private readonly access: ReadModelAccess) {}
  handle({ customerId, ...consistency }: QueryParams['GetCustomer']): Promise<QueryResults['GetCustomer']> {
    return this.access.byId<CustomerViewDocument>('customer-view', collections.customerView, customerId, consistency);
  }
}

export class GetProductHandler implements QueryHandler<'GetProduct'> {
  readonly type = 'GetProduct';
  constructor(private readonly access: ReadModelAccess) {}
  handle({ productId, ...consistency }: QueryParams['GetProduct']): Promise<QueryResults['GetProduct']> {
    return this.access.byId<ProductCatalogDocument>('product-catalog', collections.productCatalog, productId, consistency);
  }
}

export class ListProductsHandler implements QueryHandler<'ListProducts'> {
  readonly type = 'ListProducts';
  constructor(private readonly access: ReadModelAccess) {}
  async handle({ limit, cursor, ...consistency }: QueryParams['ListProducts']): Promise<QueryResults['ListProducts']> {
    await this.access.consistent('product-catalog', consistency);
    return this.access.page<ProductCatalogDocument>(collections.productCatalog, { orderBy: { fields: ['name', 'id'], direction: 'asc' } }, limit, cursor);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_SALES_DAYS = 366;

// Date.parse rolls impossible days over ("2024-02-30" is March 1st): a real date reads back unchanged.
const isDate = (value: string): boolean => {
  const ms = DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
};

export class GetDailySalesHandler implements QueryHandler<'GetDailySales'> {
  readonly type = 'GetDailySales';
  constructor(private readonly access: ReadModelAccess) {}
  async handle({ from, to, ...consistency }: QueryParams['GetDailySales']): Promise<QueryResults['GetDailySales']> {
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
    if (!isDate(from) || !isDate(to) || days < 0 || days >= MAX_SALES_DAYS) {
      throw new ValidationFailed('query', [{ path: '/from', message: `from and to must be dates (YYYY-MM-DD), from <= to, at most ${MAX_SALES_DAYS} days` }]);
    }
    await this.access.consistent('daily-sales', consistency);
    // At most one document per day and currency; a generous cap still bounds the read.
    const found = await this.access.store.find<DailySalesDocument>(collections.dailySales, {
      range: { field: 'date', gte: from, lte: to },
      orderBy: { fields: ['date', 'id'], direction: 'asc' },
      limit: MAX_SALES_DAYS * 50,
    });
    return found.map((d) => d.data);
  }
}
