export * from './shared/decider';
export * from './shared/domain-error';
export * from './shared/currency';
export * from './shared/money';
export * from './shared/values';
export * from './customer/customer.commands';
export * from './customer/customer.events';
export * from './customer/customer.errors';
export * from './customer/customer.decider';
export * from './customer/email-reservation.decider';
export * from './product/product.commands';
export * from './product/product.events';
export * from './product/product.errors';
export * from './product/product.decider';
export * from './order/order.commands';
export * from './order/order.events';
export * from './order/order.errors';
export * from './order/order.decider';

import type { CustomerEvent, EmailReservationEvent } from './customer/customer.events';
import type { OrderEvent } from './order/order.events';
import type { ProductEvent } from './product/product.events';

/** Every event type of the service, in its latest shape. */
export type ServiceEvent = CustomerEvent | EmailReservationEvent | ProductEvent | OrderEvent;
export type ServiceEventType = ServiceEvent['type'];

// A Record keyed by the union makes a missing or misspelt event type a compile error.
const EVENT_TYPES: Record<ServiceEventType, true> = {
  CustomerRegistered: true, CustomerRenamed: true, CustomerEmailChanged: true, EmailReserved: true, EmailReleased: true,
  ProductAdded: true, ProductRenamed: true, ProductPriceChanged: true,
  OrderCreated: true, OrderItemAdded: true, OrderItemRemoved: true, OrderSubmitted: true, OrderPaid: true,
  OrderShipped: true, OrderDelivered: true, OrderCancelled: true,
};
export const SERVICE_EVENT_TYPES = Object.keys(EVENT_TYPES) as readonly ServiceEventType[];
