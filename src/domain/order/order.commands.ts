import type { Money } from '../shared/money';

export interface CreateOrder {
  readonly type: 'CreateOrder';
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
}

/** The application fills in the product's current name and price before deciding. */
export interface AddItem {
  readonly type: 'AddItem';
  readonly orderId: string;
  readonly productId: string;
  readonly productName: string;
  readonly unitPrice: Money;
  readonly quantity: number;
}

export interface RemoveItem {
  readonly type: 'RemoveItem';
  readonly orderId: string;
  readonly productId: string;
}

export interface SubmitOrder {
  readonly type: 'SubmitOrder';
  readonly orderId: string;
}

export interface ConfirmPayment {
  readonly type: 'ConfirmPayment';
  readonly orderId: string;
  readonly amount: Money;
}

export interface ShipOrder {
  readonly type: 'ShipOrder';
  readonly orderId: string;
  readonly trackingNumber: string;
}

export interface DeliverOrder {
  readonly type: 'DeliverOrder';
  readonly orderId: string;
}

export interface CancelOrder {
  readonly type: 'CancelOrder';
  readonly orderId: string;
  readonly reason: string;
}

export type OrderCommand =
  | CreateOrder
  | AddItem
  | RemoveItem
  | SubmitOrder
  | ConfirmPayment
  | ShipOrder
  | DeliverOrder
  | CancelOrder;
