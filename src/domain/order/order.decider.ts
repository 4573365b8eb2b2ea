import { assertCurrency } from '../shared/currency';
import { assertNever, type Decider } from '../shared/decider';
import { InvalidValue } from '../shared/domain-error';
import { assertPrice, sameMoney, type Money } from '../shared/money';
import { assertName, assertTrackingNumber, assertUuid } from '../shared/values';
import type { OrderCommand } from './order.commands';
import {
  CurrencyMismatch,
  EmptyOrder,
  ItemNotInOrder,
  OrderAlreadyCancelled,
  OrderAlreadyDelivered,
  OrderAlreadyExists,
  OrderAlreadyPaid,
  OrderAlreadyShipped,
  OrderNotDraft,
  OrderNotFound,
  OrderNotPaid,
  OrderNotShipped,
  OrderNotSubmitted,
  PaymentMismatch,
  QuantityLimitExceeded,
  TooManyItems,
} from './order.errors';
import type { OrderEvent } from './order.events';

/** Units of one product in one order, and distinct products in one order. */
export const MAX_LINE_QUANTITY = 1_000;
export const MAX_ORDER_LINES = 100;

export interface OrderLine {
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly unitPrice: Money;
}

interface OrderFacts {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly items: readonly OrderLine[];
}

/** Each status carries exactly the facts that exist in it: a draft has no total, only a shipped order has a tracking number. */
export type OrderState =
  | { readonly status: 'none' }
  | ({ readonly status: 'draft' } & OrderFacts)
  | ({ readonly status: 'submitted'; readonly total: Money } & OrderFacts)
  | ({ readonly status: 'paid'; readonly total: Money } & OrderFacts)
  | ({ readonly status: 'shipped'; readonly total: Money; readonly trackingNumber: string } & OrderFacts)
  | ({ readonly status: 'delivered'; readonly total: Money; readonly trackingNumber: string } & OrderFacts)
  | ({ readonly status: 'cancelled'; readonly reason: string; readonly refund: Money | null } & OrderFacts);

export type OrderStatus = OrderState['status'];
type ExistingOrder = Exclude<OrderState, { status: 'none' }>;

export const orderTotal = (currency: string, items: readonly OrderLine[]): Money => ({
  amount: items.reduce((sum, line) => sum + line.quantity * line.unitPrice.amount, 0),
  currency,
});

const existing = (orderId: string, state: OrderState): ExistingOrder => {
  if (state.status === 'none') throw new OrderNotFound(orderId);
  if (state.status === 'cancelled') throw new OrderAlreadyCancelled(orderId);
  return state;
};

const draft = (orderId: string, state: OrderState) => {
  const order = existing(orderId, state);
  if (order.status !== 'draft') throw new OrderNotDraft(orderId, order.status);
  return order;
};

const assertQuantity = (quantity: number): number => {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
    throw new InvalidValue('quantity', `must be an integer from 1 to ${MAX_LINE_QUANTITY}`);
  }
  return quantity;
};

const decide = (command: OrderCommand, state: OrderState): OrderEvent[] => {
  switch (command.type) {
    case 'CreateOrder': {
      if (state.status !== 'none') throw new OrderAlreadyExists(command.orderId);
      const data = {
        orderId: assertUuid(command.orderId, 'orderId'),
        customerId: assertUuid(command.customerId, 'customerId'),
        currency: assertCurrency(command.currency),
      };
      return [{ type: 'OrderCreated', data }];
    }
    case 'AddItem': {
      const order = draft(command.orderId, state);
      const quantity = assertQuantity(command.quantity);
      const unitPrice = assertPrice(command.unitPrice, 'unitPrice');
      if (unitPrice.currency !== order.currency) throw new CurrencyMismatch(order.currency, unitPrice.currency);
      const line = order.items.find((item) => item.productId === command.productId);
      if (!line && order.items.length >= MAX_ORDER_LINES) throw new TooManyItems(MAX_ORDER_LINES);
      if ((line?.quantity ?? 0) + quantity > MAX_LINE_QUANTITY) throw new QuantityLimitExceeded(command.productId, MAX_LINE_QUANTITY);
      const productName = assertName(command.productName, 'productName');
      return [{ type: 'OrderItemAdded', data: { orderId: order.orderId, productId: command.productId, productName, quantity, unitPrice } }];
    }
    case 'RemoveItem': {
      const order = draft(command.orderId, state);
      const line = order.items.find((item) => item.productId === command.productId);
      if (!line) throw new ItemNotInOrder(command.productId);
      return [
        { type: 'OrderItemRemoved', data: { orderId: order.orderId, productId: line.productId, quantity: line.quantity, unitPrice: line.unitPrice } },
      ];
    }
    case 'SubmitOrder': {
      const order = draft(command.orderId, state);
      if (order.items.length === 0) throw new EmptyOrder(order.orderId);
      return [{ type: 'OrderSubmitted', data: { orderId: order.orderId, total: orderTotal(order.currency, order.items) } }];
    }
    case 'ConfirmPayment': {
      const order = existing(command.orderId, state);
      if (order.status === 'draft') throw new OrderNotSubmitted(order.orderId);
      if (order.status !== 'submitted') throw new OrderAlreadyPaid(order.orderId);
      if (!sameMoney(command.amount, order.total)) throw new PaymentMismatch(order.total, command.amount);
      return [{ type: 'OrderPaid', data: { orderId: order.orderId, customerId: order.customerId, amount: order.total } }];
    }
    case 'ShipOrder': {
      const order = existing(command.orderId, state);
      if (order.status === 'draft' || order.status === 'submitted') throw new OrderNotPaid(order.orderId);
      if (order.status !== 'paid') throw new OrderAlreadyShipped(order.orderId);
      return [{ type: 'OrderShipped', data: { orderId: order.orderId, trackingNumber: assertTrackingNumber(command.trackingNumber) } }];
    }
    case 'DeliverOrder': {
      const order = existing(command.orderId, state);
      if (order.status === 'delivered') throw new OrderAlreadyDelivered(order.orderId);
      if (order.status !== 'shipped') throw new OrderNotShipped(order.orderId);
      return [{ type: 'OrderDelivered', data: { orderId: order.orderId } }];
    }
    case 'CancelOrder': {
      const order = existing(command.orderId, state);
      if (order.status === 'shipped' || order.status === 'delivered') throw new OrderAlreadyShipped(order.orderId);
      const reason = assertName(command.reason, 'reason', 500);
      const refund = order.status === 'paid' ? order.total : null;
      return [{ type: 'OrderCancelled', data: { orderId: order.orderId, customerId: order.customerId, reason, refund } }];
    }
    default:
      return assertNever(command);
  }
};

const withLine = (items: readonly OrderLine[], added: OrderLine): OrderLine[] => {
  const current = items.find((item) => item.productId === added.productId);
  if (!current) return [...items, added];
  return items.map((item) =>
    item.productId === added.productId ? { ...added, quantity: item.quantity + added.quantity } : item,
  );
};

const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  if (event.type === 'OrderCreated') return { status: 'draft', ...event.data, items: [] };
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'OrderItemAdded': {
      const { productId, productName, quantity, unitPrice } = event.data;
      return { ...state, items: withLine(state.items, { productId, productName, quantity, unitPrice }) };
    }
    case 'OrderItemRemoved':
      return { ...state, items: state.items.filter((item) => item.productId !== event.data.productId) };
    case 'OrderSubmitted':
      return { ...state, status: 'submitted', total: event.data.total };
    case 'OrderPaid':
      return { ...state, status: 'paid', total: event.data.amount };
    case 'OrderShipped':
      return { ...state, status: 'shipped', total: totalOf(state), trackingNumber: event.data.trackingNumber };
    case 'OrderDelivered':
      return { ...state, status: 'delivered', total: totalOf(state), trackingNumber: trackingOf(state) };
    case 'OrderCancelled': {
      // Rebuilt from the facts, not spread: a cancelled order must not carry a stale total or tracking number.
      const { orderId, customerId, currency, items } = state;
      return { status: 'cancelled', orderId, customerId, currency, items, reason: event.data.reason, refund: event.data.refund };
    }
    default:
      return assertNever(event);
  }
};

const totalOf = (state: ExistingOrder): Money => ('total' in state ? state.total : orderTotal(state.currency, state.items));
const trackingOf = (state: ExistingOrder): string => ('trackingNumber' in state ? state.trackingNumber : '');

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide,
  evolve,
  initialState: { status: 'none' },
  stateVersion: 1,
};
