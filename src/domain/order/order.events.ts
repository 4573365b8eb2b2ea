import type { DomainEvent } from '../shared/decider';
import type { Money } from '../shared/money';

export type OrderCreated = DomainEvent<'OrderCreated', { orderId: string; customerId: string; currency: string }>;
/** `quantity` is the quantity added; the line is repriced to `unitPrice`, the product's price at that moment. */
export type OrderItemAdded = DomainEvent<
  'OrderItemAdded',
  { orderId: string; productId: string; productName: string; quantity: number; unitPrice: Money }
>;
export type OrderItemRemoved = DomainEvent<
  'OrderItemRemoved',
  { orderId: string; productId: string; quantity: number; unitPrice: Money }
>;
export type OrderSubmitted = DomainEvent<'OrderSubmitted', { orderId: string; total: Money }>;
export type OrderPaid = DomainEvent<'OrderPaid', { orderId: string; customerId: string; amount: Money }>;
export type OrderShipped = DomainEvent<'OrderShipped', { orderId: string; trackingNumber: string }>;
export type OrderDelivered = DomainEvent<'OrderDelivered', { orderId: string }>;
/** `refund` is the amount paid back when a paid order is cancelled, otherwise null. */
export type OrderCancelled = DomainEvent<
  'OrderCancelled',
  { orderId: string; customerId: string; reason: string; refund: Money | null }
>;

export type OrderEvent =
  | OrderCreated
  | OrderItemAdded
  | OrderItemRemoved
  | OrderSubmitted
  | OrderPaid
  | OrderShipped
  | OrderDelivered
  | OrderCancelled;
