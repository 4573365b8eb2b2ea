import type { Money } from '../../domain';
import type { Role } from './api-keys';
import type { CommonDefinition } from './http-schemas';
import { problems } from './problem-details';
import type { ProbeRoute } from './route';
import {
  paramNames,
  type CommandInput,
  type CommandRoute,
  type CommandSpec,
  type HttpMethod,
  type QueryAnswer,
  type QueryRoute,
  type Route,
} from './route';
import { probeRoutes } from './probes';

/** THE route table: express registration (app.ts) and the OpenAPI document (openapi.ts) both read it. */

interface Common {
  readonly operationId: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** Path parameters are UUIDs unless named here. */
  readonly params?: Readonly<Record<string, CommonDefinition>>;
}

const paramsOf = (path: string, given: Readonly<Record<string, CommonDefinition>> = {}): Record<string, CommonDefinition> =>
  Object.fromEntries(paramNames(path).map((name) => [name, given[name] ?? 'Uuid']));

const command = <B>(
  spec: Common & { readonly body?: string; readonly creates?: string },
  toCommand: (input: CommandInput<B>) => CommandSpec,
): CommandRoute => ({
  ...spec,
  kind: 'command',
  role: 'writer',
  params: paramsOf(spec.path, spec.params),
  body: spec.body ?? 'EmptyRequest',
  query: null,
  creates: spec.creates ?? null,
  status: spec.creates ? 201 : 200,
  response: 'CommandAccepted',
  toCommand: toCommand as CommandRoute['toCommand'],
});

const read = (
  kind: 'query' | 'operation',
  role: Role,
  spec: Common & { readonly query?: string; readonly body?: string; readonly response: string; readonly status?: number; readonly consistent?: boolean; readonly conditional?: boolean },
  run: QueryRoute['run'],
): QueryRoute => ({
  ...spec,
  kind,
  role,
  params: paramsOf(spec.path, spec.params),
  body: spec.body ?? null,
  query: spec.query ?? null,
  status: spec.status ?? 200,
  consistent: spec.consistent ?? false,
  conditional: spec.conditional ?? false,
  run,
});

const query = (spec: Parameters<typeof read>[2], run: QueryRoute['run']) => read('query', 'reader', { consistent: true, ...spec }, run);
const operation = (spec: Parameters<typeof read>[2], run: QueryRoute['run']) => read('operation', 'admin', spec, run);

/** A read-model document or 404 (it may also not be projected yet: the client can send X-Min-Position). */
const found = <D>(what: string, document: D | null): D => {
  if (document === null) throw problems.resourceNotFound(what);
  return document;
};

const p = (input: { readonly params: Readonly<Record<string, string>> }, name: string): string => input.params[name] as string;
const optional = <T>(query: Readonly<Record<string, unknown>>, name: string): T | undefined => query[name] as T | undefined;

const customerRoutes: readonly Route[] = [
  command<{ id?: string; name: string; email: string }>(
    { operationId: 'registerCustomer', method: 'post', path: '/customers', tag: 'customers', summary: 'Register a customer', body: 'RegisterCustomerRequest', creates: '/customers/{id}' },
    ({ body, newId }) => ({ type: 'RegisterCustomer', payload: { customerId: body.id ?? newId(), name: body.name, email: body.email } }),
  ),
  command<{ name: string }>(
    { operationId: 'renameCustomer', method: 'post', path: '/customers/{id}/rename', tag: 'customers', summary: 'Rename a customer', body: 'RenameCustomerRequest' },
    (input) => ({ type: 'RenameCustomer', payload: { customerId: p(input, 'id'), name: input.body.name } }),
  ),
  command<{ email: string }>(
    { operationId: 'changeCustomerEmail', method: 'post', path: '/customers/{id}/change-email', tag: 'customers', summary: "Change a customer's email", body: 'ChangeCustomerEmailRequest' },
    (input) => ({ type: 'ChangeCustomerEmail', payload: { customerId: p(input, 'id'), email: input.body.email } }),
  ),
  query(
    { operationId: 'getCustomer', method: 'get', path: '/customers/{id}', tag: 'customers', summary: 'A customer with order count and lifetime value', response: 'Customer' },
    async (app, input) => ({ body: found('customer', await app.queries.execute('GetCustomer', { customerId: p(input, 'id'), ...input.consistency })) }),
  ),
];

const productRoutes: readonly Route[] = [
  command<{ id?: string; sku: string; name: string; price: Money }>(
    { operationId: 'addProduct', method: 'post', path: '/products', tag: 'products', summary: 'List a product in the catalog', body: 'AddProductRequest', creates: '/products/{id}' },
    ({ body, newId }) => ({ type: 'AddProduct', payload: { productId: body.id ?? newId(), sku: body.sku, name: body.name, price: body.price } }),
  ),
  command<{ name: string }>(
    { operationId: 'renameProduct', method: 'post', path: '/products/{id}/rename', tag: 'products', summary: 'Rename a product', body: 'RenameProductRequest' },
    (input) => ({ type: 'RenameProduct', payload: { productId: p(input, 'id'), name: input.body.name } }),
  ),
  command<{ price: Money }>(
    { operationId: 'changeProductPrice', method: 'post', path: '/products/{id}/change-price', tag: 'products', summary: "Change a product's price", body: 'ChangeProductPriceRequest' },
    (input) => ({ type: 'ChangeProductPrice', payload: { productId: p(input, 'id'), price: input.body.price } }),
  ),
  query(
    { operationId: 'getProduct', method: 'get', path: '/products/{id}', tag: 'products', summary: 'A product of the catalog', response: 'Product' },
    async (app, input) => ({ body: found('product', await app.queries.execute('GetProduct', { productId: p(input, 'id'), ...input.consistency })) }),
  ),
  query(
    { operationId: 'listProducts', method: 'get', path: '/products', tag: 'products', summary: 'Page through the catalog by name', query: 'ListProductsQuery', response: 'ProductPage' },
    async (app, { query: q, consistency }) => ({
      body: await app.queries.execute('ListProducts', { limit: optional(q, 'limit'), cursor: optional(q, 'cursor'), ...consistency }),
    }),
  ),
];

const orderCommand = <B>(
  method: HttpMethod,
  path: string,
  operationId: string,
  summary: string,
  body: string | undefined,
  toCommand: (input: CommandInput<B>) => CommandSpec,
) => command<B>({ operationId, method, path, tag: 'orders', summary, ...(body ? { body } : {}) }, toCommand);

const orderRoutes: readonly Route[] = [
  command<{ id?: string; customerId: string; currency: string }>(
    { operationId: 'createOrder', method: 'post', path: '/orders', tag: 'orders', summary: 'Open a draft order', body: 'CreateOrderRequest', creates: '/orders/{id}' },
    ({ body, newId }) => ({ type: 'CreateOrder', payload: { orderId: body.id ?? newId(), customerId: body.customerId, currency: body.currency } }),
  ),
  orderCommand<{ productId: string; quantity: number }>('post', '/orders/{id}/items', 'addItem', 'Add units of a product to a draft order', 'AddItemRequest', (input) => ({
    type: 'AddItem',
    payload: { orderId: p(input, 'id'), productId: input.body.productId, quantity: input.body.quantity },
  })),
  orderCommand('delete', '/orders/{id}/items/{productId}', 'removeItem', 'Remove a product from a draft order', undefined, (input) => ({
    type: 'RemoveItem',
    payload: { orderId: p(input, 'id'), productId: p(input, 'productId') },
  })),
  orderCommand('post', '/orders/{id}/submit', 'submitOrder', 'Submit a draft order (it must not be empty)', undefined, (input) => ({
    type: 'SubmitOrder',
    payload: { orderId: p(input, 'id') },
  })),
  orderCommand<{ amount: Money }>('post', '/orders/{id}/pay', 'payOrder', 'Confirm the payment of a submitted order (amount = total)', 'PayOrderRequest', (input) => ({
    type: 'ConfirmPayment',
    payload: { orderId: p(input, 'id'), amount: input.body.amount },
  })),
  orderCommand<{ trackingNumber: string }>('post', '/orders/{id}/ship', 'shipOrder', 'Ship a paid order', 'ShipOrderRequest', (input) => ({
    type: 'ShipOrder',
    payload: { orderId: p(input, 'id'), trackingNumber: input.body.trackingNumber },
  })),
  orderCommand('post', '/orders/{id}/deliver', 'deliverOrder', 'Mark a shipped order delivered', undefined, (input) => ({ type: 'DeliverOrder', payload: { orderId: p(input, 'id') } })),
  orderCommand<{ reason: string }>('post', '/orders/{id}/cancel', 'cancelOrder', 'Cancel an order that has not shipped', 'CancelOrderRequest', (input) => ({
    type: 'CancelOrder',
    payload: { orderId: p(input, 'id'), reason: input.body.reason },
  })),
  query(
    { operationId: 'getOrder', method: 'get', path: '/orders/{id}', tag: 'orders', summary: 'An order with its lines (ETag: the stream revision it reflects)', response: 'OrderDetails', conditional: true },
    async (app, input): Promise<QueryAnswer> => {
      const order = found('order', await app.queries.execute('GetOrder', { orderId: p(input, 'id'), ...input.consistency }));
      return { body: order, revision: order.revision };
    },
  ),
  query(
    { operationId: 'listOrders', method: 'get', path: '/orders', tag: 'orders', summary: 'Page through orders, newest first', query: 'ListOrdersQuery', response: 'OrderPage' },
    async (app, { query: q, consistency }) => ({
      body: await app.queries.execute('ListOrders', {
        customerId: optional(q, 'customerId'),
        status: optional(q, 'status'),
        limit: optional(q, 'limit'),
        cursor: optional(q, 'cursor'),
        ...consistency,
      }),
    }),
  ),
  query(
    { operationId: 'searchOrders', method: 'get', path: '/orders/search', tag: 'orders', summary: 'Search orders by customer and product names', query: 'SearchOrdersQuery', response: 'OrderSearchResults' },
    async (app, { query: q, consistency }) => ({
      body: { items: await app.queries.execute('SearchOrders', { q: q['q'] as string, limit: optional(q, 'limit'), ...consistency }) },
    }),
  ),
  query(
    {
      operationId: 'getOrderHistory',
      method: 'get',
      path: '/orders/{id}/history',
      tag: 'orders',
      summary: 'The events of an order',
      description: 'Read from the event store, so always current: X-Min-Position is accepted and has nothing to wait for.',
      response: 'OrderHistory',
      consistent: false,
    },
    async (app, input) => ({ body: { orderId: p(input, 'id'), events: found('order', await app.queries.execute('GetOrderHistory', { orderId: p(input, 'id') })) } }),
  ),
  query(
    {
      operationId: 'getOrderState',
      method: 'get',
      path: '/orders/{id}/state',
      tag: 'orders',
      summary: 'The order as of a revision or a point in time',
      description: 'Give exactly one of `revision` or `at`. Folded from the event store, so always current.',
      query: 'OrderStateQuery',
      response: 'OrderState',
      consistent: false,
    },
    async (app, input) => {
      const { revision, at } = input.query as { revision?: number; at?: string };
      const asOf = found(
        'order at that revision or time',
        await app.queries.execute('GetOrderState', { orderId: p(input, 'id'), ...(revision === undefined ? {} : { revision }), ...(at === undefined ? {} : { at }) }),
      );
      return { body: { orderId: p(input, 'id'), revision: asOf.revision, state: asOf.state } };
    },
  ),
];

const statsRoutes: readonly Route[] = [
  query(
    { operationId: 'getDailySales', method: 'get', path: '/stats/daily-sales', tag: 'stats', summary: 'Orders paid and revenue per day and currency', query: 'DailySalesQuery', response: 'DailySales' },
    async (app, { query: q, consistency }) => {
      const { from, to } = q as { from: string; to: string };
      return { body: { from, to, items: await app.queries.execute('GetDailySales', { from, to, ...consistency }) } };
    },
  ),
];

const operationRoutes: readonly Route[] = [
  operation(
    { operationId: 'listProjections', method: 'get', path: '/ops/projections', tag: 'operations', summary: 'Projections: mode, checkpoint, lag, runner state, parked count', response: 'Projections' },
    async (app) => ({ body: { items: await app.operations.list() } }),
  ),
  operation(
    {
      operationId: 'rebuildProjection',
      method: 'post',
      path: '/ops/projections/{name}/rebuild',
      params: { name: 'ProjectionName' },
      tag: 'operations',
      summary: 'Rebuild a catch-up projection from the start of the log',
      description: 'The old copy serves reads until the new one has caught up. Persistent projections are refused (400): replay their parked events.',
      body: 'EmptyRequest',
      status: 202,
      response: 'RebuildAccepted',
    },
    async (app, input) => ({ body: { projection: p(input, 'name'), ...(await app.operations.rebuild(p(input, 'name'))) } }),
  ),
  operation(
    { operationId: 'listParked', method: 'get', path: '/ops/parked', tag: 'operations', summary: 'Events the projections gave up on', query: 'ListParkedQuery', response: 'ParkedEvents' },
    async (app, { query: q }) => ({ body: { items: await app.operations.listParked(optional<number>(q, 'limit') ?? 100) } }),
  ),
  operation(
    {
      operationId: 'replayParked',
      method: 'post',
      path: '/ops/parked/{id}/replay',
      params: { id: 'ParkedEventId' },
      tag: 'operations',
      summary: 'Apply a parked event again',
      body: 'EmptyRequest',
      response: 'ReplayOutcome',
    },
    async (app, input) => ({ body: { id: p(input, 'id'), ...(await app.operations.replayParked(p(input, 'id'))) } }),
  ),
];

export const routes: readonly Route[] = [...customerRoutes, ...productRoutes, ...orderRoutes, ...statsRoutes, ...operationRoutes, ...probeRoutes];

export const probeOnlyRoutes: readonly ProbeRoute[] = probeRoutes.filter((r) => r.probe);
