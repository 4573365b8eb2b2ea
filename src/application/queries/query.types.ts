import type { OrderState } from '../../domain';
import type { EventMetadata, Position } from '../ports';
import type {
  CustomerViewDocument,
  DailySalesDocument,
  OrderDetailsDocument,
  OrderListDocument,
  OrderSearchDocument,
  ProductCatalogDocument,
} from '../projections/read-models';

/** Read-your-writes: wait until the read model has applied this position (bounded), else NotYetConsistent. */
export interface Consistency {
  readonly minPosition?: Position;
}

export type OrderSummary = Omit<OrderListDocument, 'lines'>;

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; absent on the last page. */
  readonly nextCursor: string | null;
}

export interface HistoryEntry {
  readonly eventId: string;
  readonly revision: number;
  readonly position: Position;
  readonly type: string;
  /** The schema version the event was stored with; `data` is always shown upcast to the latest version. */
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly occurredAt: string;
}

export interface QueryParams {
  GetOrder: Consistency & { orderId: string };
  ListOrders: Consistency & { customerId?: string; status?: string; limit?: number; cursor?: string };
  SearchOrders: Consistency & { q: string; limit?: number };
  GetCustomer: Consistency & { customerId: string };
  GetProduct: Consistency & { productId: string };
  ListProducts: Consistency & { limit?: number; cursor?: string };
  GetDailySales: Consistency & { from: string; to: string };
  GetOrderHistory: { orderId: string };
  GetOrderState: { orderId: string; revision?: number; at?: string };
}

export interface QueryResults {
  GetOrder: OrderDetailsDocument | null;
  ListOrders: Page<OrderSummary>;
  SearchOrders: readonly OrderSearchDocument[];
  GetCustomer: CustomerViewDocument | null;
  GetProduct: ProductCatalogDocument | null;
  ListProducts: Page<ProductCatalogDocument>;
  GetDailySales: readonly DailySalesDocument[];
  GetOrderHistory: readonly HistoryEntry[] | null;
  GetOrderState: { readonly revision: number; readonly state: OrderState } | null;
}

export type QueryType = keyof QueryParams;

export interface QueryHandler<T extends QueryType = QueryType> {
  readonly type: T;
  handle(params: QueryParams[T]): Promise<QueryResults[T]>;
}
