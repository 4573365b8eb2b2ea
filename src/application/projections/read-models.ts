import type { Money } from '../../domain';
import type { ReadModelDefinition } from '../ports';

export interface OrderListLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitAmount: number;
}

export interface OrderListDocument {
  readonly orderId: string;
  readonly customerId: string;
  readonly customerName: string | null;
  readonly status: string;
  readonly currency: string;
  readonly itemCount: number;
  readonly total: Money;
  /** Kept so repricing and removals keep the total exact. */
  readonly lines: readonly OrderListLine[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OrderDetailsItem {
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly subtotal: Money;
}

export interface OrderDetailsDocument {
  readonly orderId: string;
  readonly customerId: string;
  readonly customerName: string | null;
  readonly status: string;
  readonly currency: string;
  readonly items: readonly OrderDetailsItem[];
  readonly total: Money;
  readonly trackingNumber: string | null;
  readonly cancellationReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Revision of the order stream this document reflects (the ETag of GET /orders/{id}). */
  readonly revision: number;
}

export interface CustomerViewDocument {
  readonly customerId: string;
  readonly name: string;
  readonly email: string;
  readonly orderCount: number;
  /** Paid minus refunded, one entry per currency. */
  readonly lifetimeValue: readonly Money[];
  readonly registeredAt: string;
  readonly updatedAt: string;
}

export interface ProductCatalogDocument {
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly price: Money;
  readonly addedAt: string;
  readonly updatedAt: string;
}

export interface DailySalesDocument {
  /** YYYY-MM-DD (UTC) of the payment or refund. */
  readonly date: string;
  readonly currency: string;
  readonly ordersPaid: number;
  readonly revenue: number;
  readonly ordersRefunded: number;
  readonly refunds: number;
}

export interface OrderSearchDocument {
  readonly orderId: string;
  readonly customerId: string;
  readonly customerName: string | null;
  readonly status: string;
  readonly products: readonly { readonly productId: string; readonly name: string }[];
  readonly createdAt: string;
}

export interface CustomerNameReference {
  readonly name: string;
}

export const collections = {
  orderList: 'order_list',
  orderDetails: 'order_details',
  customerView: 'customer_view',
  productCatalog: 'product_catalog',
  dailySales: 'daily_sales',
  orderSearch: 'order_search',
  orderListCustomers: 'order_list_customers',
  orderDetailsCustomers: 'order_details_customers',
  orderSearchCustomers: 'order_search_customers',
} as const;

/** Indexes and text fields per collection; adapters create them at start (and on rebuild copies). */
export const readModelDefinitions: readonly ReadModelDefinition[] = [
  { collection: collections.orderList, indexes: [['customerId', 'createdAt'], ['status', 'createdAt'], ['customerId', 'status', 'createdAt'], ['createdAt']] },
  { collection: collections.orderDetails },
  { collection: collections.customerView },
  { collection: collections.productCatalog, indexes: [['name']] },
  { collection: collections.dailySales, indexes: [['date']] },
  {
    collection: collections.orderSearch,
    textFields: [
      { field: 'customerName', weight: 3 },
      { field: 'products.name', weight: 2 },
    ],
  },
  { collection: collections.orderListCustomers },
  { collection: collections.orderDetailsCustomers },
  { collection: collections.orderSearchCustomers },
];
