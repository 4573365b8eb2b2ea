import type { Money } from '../../domain';
import type { Position } from '../ports';

/** Who sent a command and why: copied into the metadata of every event it produces. */
export interface CommandContext {
  /** Unique per command; event ids are derived from it, so a retried command appends nothing twice. */
  readonly commandId: string;
  readonly correlationId: string;
  /** Defaults to the command id. */
  readonly causationId?: string;
  readonly actor: string;
  /** When given, the target stream must be at exactly this revision (HTTP If-Match); no retry on conflict. */
  readonly expectedRevision?: number;
}

/** Application-level commands: what a client sends. The handlers add what the domain needs (product price, ...). */
export interface CommandPayloads {
  RegisterCustomer: { customerId: string; name: string; email: string };
  RenameCustomer: { customerId: string; name: string };
  ChangeCustomerEmail: { customerId: string; email: string };
  AddProduct: { productId: string; sku: string; name: string; price: Money };
  RenameProduct: { productId: string; name: string };
  ChangeProductPrice: { productId: string; price: Money };
  CreateOrder: { orderId: string; customerId: string; currency: string };
  AddItem: { orderId: string; productId: string; quantity: number };
  RemoveItem: { orderId: string; productId: string };
  SubmitOrder: { orderId: string };
  ConfirmPayment: { orderId: string; amount: Money };
  ShipOrder: { orderId: string; trackingNumber: string };
  DeliverOrder: { orderId: string };
  CancelOrder: { orderId: string; reason: string };
}

export type CommandType = keyof CommandPayloads;

export type CommandMessage<T extends CommandType = CommandType> = {
  [K in T]: { readonly type: K; readonly payload: CommandPayloads[K]; readonly context: CommandContext };
}[T];

export interface CommandResult {
  /** The aggregate the command addressed. */
  readonly id: string;
  readonly streamId: string;
  /** Revision of the stream after the command (-1: the stream does not exist). */
  readonly revision: number;
  /** Global position of the last event written (or found, for a retried command); null when nothing exists. */
  readonly position: Position | null;
  /** Events appended by this call: 0 for a no-op or a retried command. */
  readonly appended: number;
}

export interface CommandHandler<T extends CommandType = CommandType> {
  readonly type: T;
  handle(payload: CommandPayloads[T], context: CommandContext): Promise<CommandResult>;
}

export const COMMAND_TYPES: readonly CommandType[] = Object.keys({
  RegisterCustomer: 0, RenameCustomer: 0, ChangeCustomerEmail: 0, AddProduct: 0, RenameProduct: 0, ChangeProductPrice: 0,
  CreateOrder: 0, AddItem: 0, RemoveItem: 0, SubmitOrder: 0, ConfirmPayment: 0, ShipOrder: 0, DeliverOrder: 0, CancelOrder: 0,
} satisfies Record<CommandType, 0>) as CommandType[];
