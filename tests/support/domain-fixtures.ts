import type {
  AddItem,
  AddProduct,
  CancelOrder,
  ChangeCustomerEmail,
  ChangeProductPrice,
  ConfirmPayment,
  CreateOrder,
  CustomerEmailChanged,
  CustomerRegistered,
  CustomerRenamed,
  DeliverOrder,
  EmailReleased,
  EmailReserved,
  Money,
  OrderCancelled,
  OrderCreated,
  OrderDelivered,
  OrderEvent,
  OrderItemAdded,
  OrderItemRemoved,
  OrderPaid,
  OrderShipped,
  OrderSubmitted,
  ProductAdded,
  ProductPriceChanged,
  ProductRenamed,
  RegisterCustomer,
  ReleaseEmail,
  RemoveItem,
  RenameCustomer,
  RenameProduct,
  ReserveEmail,
  ShipOrder,
  SubmitOrder,
} from '../../src/domain';

/** Fields of a command or event payload, each optional: builders fill in the rest. */
type CommandFields<C extends { type: string }> = Partial<Omit<C, 'type'>>;
type EventFields<E extends { data: object }> = Partial<E['data']>;

// Fixed, valid (lower-case v4) UUIDs so that expected events can be written out literally.
export const CUSTOMER_ID = '11111111-1111-4111-8111-111111111111';
export const OTHER_CUSTOMER_ID = '22222222-2222-4222-8222-222222222222';
export const PRODUCT_ID = '33333333-3333-4333-8333-333333333333';
export const OTHER_PRODUCT_ID = '44444444-4444-4444-8444-444444444444';
export const ORDER_ID = '55555555-5555-4555-8555-555555555555';
/** Ids must be lower-case UUIDs; this one is otherwise well-formed. */
export const UPPER_CASE_UUID = 'ABCDEF01-2345-4678-89AB-CDEF01234567';

/** The n-th of many distinct product ids (for order-line limits). */
export const productIdNo = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export const eur = (amount: number): Money => ({ amount, currency: 'EUR' });
export const usd = (amount: number): Money => ({ amount, currency: 'USD' });

// ---------------------------------------------------------------- Customer

export const CUSTOMER_NAME = 'Ada Lovelace';
export const CUSTOMER_EMAIL = 'ada@example.com';
export const OTHER_EMAIL = 'countess@example.org';

export const registerCustomer = (fields: CommandFields<RegisterCustomer> = {}): RegisterCustomer => ({
  type: 'RegisterCustomer',
  customerId: CUSTOMER_ID,
  name: CUSTOMER_NAME,
  email: CUSTOMER_EMAIL,
  ...fields,
});
export const renameCustomer = (name: string, fields: CommandFields<RenameCustomer> = {}): RenameCustomer => ({
  type: 'RenameCustomer',
  customerId: CUSTOMER_ID,
  name,
  ...fields,
});
export const changeCustomerEmail = (email: string, fields: CommandFields<ChangeCustomerEmail> = {}): ChangeCustomerEmail => ({
  type: 'ChangeCustomerEmail',
  customerId: CUSTOMER_ID,
  email,
  ...fields,
});

export const customerRegistered = (fields: EventFields<CustomerRegistered> = {}): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: { customerId: CUSTOMER_ID, name: CUSTOMER_NAME, email: CUSTOMER_EMAIL, ...fields },
});
export const customerRenamed = (name: string): CustomerRenamed => ({
  type: 'CustomerRenamed',
  data: { customerId: CUSTOMER_ID, name },
});
export const customerEmailChanged = (email: string, previousEmail = CUSTOMER_EMAIL): CustomerEmailChanged => ({
  type: 'CustomerEmailChanged',
  data: { customerId: CUSTOMER_ID, email, previousEmail },
});

// ---------------------------------------------------------------- Email reservation

export const reserveEmail = (fields: CommandFields<ReserveEmail> = {}): ReserveEmail => ({
  type: 'ReserveEmail',
  email: CUSTOMER_EMAIL,
  customerId: CUSTOMER_ID,
  ...fields,
});
export const releaseEmail = (fields: CommandFields<ReleaseEmail> = {}): ReleaseEmail => ({
  type: 'ReleaseEmail',
  email: CUSTOMER_EMAIL,
  customerId: CUSTOMER_ID,
  ...fields,
});
export const emailReserved = (fields: EventFields<EmailReserved> = {}): EmailReserved => ({
  type: 'EmailReserved',
  data: { email: CUSTOMER_EMAIL, customerId: CUSTOMER_ID, ...fields },
});
export const emailReleased = (fields: EventFields<EmailReleased> = {}): EmailReleased => ({
  type: 'EmailReleased',
  data: { email: CUSTOMER_EMAIL, customerId: CUSTOMER_ID, ...fields },
});

// ---------------------------------------------------------------- Product

export const SKU = 'WIDGET-001';
export const PRODUCT_NAME = 'Widget';
export const PRICE = eur(1250);

export const addProduct = (fields: CommandFields<AddProduct> = {}): AddProduct => ({
  type: 'AddProduct',
  productId: PRODUCT_ID,
  sku: SKU,
  name: PRODUCT_NAME,
  price: PRICE,
  ...fields,
});
export const renameProduct = (name: string, fields: CommandFields<RenameProduct> = {}): RenameProduct => ({
  type: 'RenameProduct',
  productId: PRODUCT_ID,
  name,
  ...fields,
});
export const changeProductPrice = (price: Money, fields: CommandFields<ChangeProductPrice> = {}): ChangeProductPrice => ({
  type: 'ChangeProductPrice',
  productId: PRODUCT_ID,
  price,
  ...fields,
});

export const productAdded = (fields: EventFields<ProductAdded> = {}): ProductAdded => ({
  type: 'ProductAdded',
  data: { productId: PRODUCT_ID, sku: SKU, name: PRODUCT_NAME, price: PRICE, ...fields },
});
export const productRenamed = (name: string): ProductRenamed => ({
  type: 'ProductRenamed',
  data: { productId: PRODUCT_ID, name },
});
export const productPriceChanged = (price: Money, previousPrice = PRICE): ProductPriceChanged => ({
  type: 'ProductPriceChanged',
  data: { productId: PRODUCT_ID, price, previousPrice },
});

// ---------------------------------------------------------------- Order

export const OTHER_PRODUCT_NAME = 'Gadget';
export const OTHER_PRICE = eur(799);
/** Quantity of PRODUCT_ID in the default order: the default total is 2 × 12.50 EUR. */
export const QUANTITY = 2;
export const ORDER_TOTAL = eur(QUANTITY * PRICE.amount);
export const TRACKING_NUMBER = 'TRACK-12345';
export const CANCEL_REASON = 'Changed my mind';

export const createOrder = (fields: CommandFields<CreateOrder> = {}): CreateOrder => ({
  type: 'CreateOrder',
  orderId: ORDER_ID,
  customerId: CUSTOMER_ID,
  currency: 'EUR',
  ...fields,
});
export const addItem = (fields: CommandFields<AddItem> = {}): AddItem => ({
  type: 'AddItem',
  orderId: ORDER_ID,
  productId: PRODUCT_ID,
  productName: PRODUCT_NAME,
  unitPrice: PRICE,
  quantity: QUANTITY,
  ...fields,
});
export const removeItem = (productId = PRODUCT_ID): RemoveItem => ({ type: 'RemoveItem', orderId: ORDER_ID, productId });
export const submitOrder = (): SubmitOrder => ({ type: 'SubmitOrder', orderId: ORDER_ID });
export const confirmPayment = (amount: Money = ORDER_TOTAL): ConfirmPayment => ({ type: 'ConfirmPayment', orderId: ORDER_ID, amount });
export const shipOrder = (trackingNumber = TRACKING_NUMBER): ShipOrder => ({ type: 'ShipOrder', orderId: ORDER_ID, trackingNumber });
export const deliverOrder = (): DeliverOrder => ({ type: 'DeliverOrder', orderId: ORDER_ID });
export const cancelOrder = (reason = CANCEL_REASON): CancelOrder => ({ type: 'CancelOrder', orderId: ORDER_ID, reason });

export const orderCreated = (fields: EventFields<OrderCreated> = {}): OrderCreated => ({
  type: 'OrderCreated',
  data: { orderId: ORDER_ID, customerId: CUSTOMER_ID, currency: 'EUR', ...fields },
});
export const itemAdded = (fields: EventFields<OrderItemAdded> = {}): OrderItemAdded => ({
  type: 'OrderItemAdded',
  data: { orderId: ORDER_ID, productId: PRODUCT_ID, productName: PRODUCT_NAME, quantity: QUANTITY, unitPrice: PRICE, ...fields },
});
/** The other product of an order, so that totals mix two lines. */
export const otherItemAdded = (fields: EventFields<OrderItemAdded> = {}): OrderItemAdded =>
  itemAdded({ productId: OTHER_PRODUCT_ID, productName: OTHER_PRODUCT_NAME, unitPrice: OTHER_PRICE, quantity: 1, ...fields });
export const itemRemoved = (fields: EventFields<OrderItemRemoved> = {}): OrderItemRemoved => ({
  type: 'OrderItemRemoved',
  data: { orderId: ORDER_ID, productId: PRODUCT_ID, quantity: QUANTITY, unitPrice: PRICE, ...fields },
});
export const orderSubmitted = (total: Money = ORDER_TOTAL): OrderSubmitted => ({
  type: 'OrderSubmitted',
  data: { orderId: ORDER_ID, total },
});
export const orderPaid = (amount: Money = ORDER_TOTAL): OrderPaid => ({
  type: 'OrderPaid',
  data: { orderId: ORDER_ID, customerId: CUSTOMER_ID, amount },
});
export const orderShipped = (trackingNumber = TRACKING_NUMBER): OrderShipped => ({
  type: 'OrderShipped',
  data: { orderId: ORDER_ID, trackingNumber },
});
export const orderDelivered = (): OrderDelivered => ({ type: 'OrderDelivered', data: { orderId: ORDER_ID } });
export const orderCancelled = (fields: EventFields<OrderCancelled> = {}): OrderCancelled => ({
  type: 'OrderCancelled',
  data: { orderId: ORDER_ID, customerId: CUSTOMER_ID, reason: CANCEL_REASON, refund: null, ...fields },
});

/** Histories of the default order (one line: QUANTITY × PRODUCT_ID) in each status. */
export const draftOrder = (): OrderEvent[] => [orderCreated(), itemAdded()];
export const submittedOrder = (): OrderEvent[] => [...draftOrder(), orderSubmitted()];
export const paidOrder = (): OrderEvent[] => [...submittedOrder(), orderPaid()];
export const shippedOrder = (): OrderEvent[] => [...paidOrder(), orderShipped()];
export const deliveredOrder = (): OrderEvent[] => [...shippedOrder(), orderDelivered()];
export const cancelledOrder = (): OrderEvent[] => [...draftOrder(), orderCancelled()];
