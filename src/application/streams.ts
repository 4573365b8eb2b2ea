/** Stream naming: `<category>-<uuid>`. The category is the prefix before the first dash. */
export const streams = {
  order: (orderId: string): string => `order-${orderId}`,
  customer: (customerId: string): string => `customer-${customerId}`,
  product: (productId: string): string => `product-${productId}`,
  /** One stream per normalized email makes the email unique; the id part is a UUIDv5 of the email. */
  emailReservation: (emailKey: string): string => `customeremail-${emailKey}`,
} as const;

/** Streams that projections read. Reservation streams are write-side only. */
export const PROJECTED_STREAM_PREFIXES: readonly string[] = ['order-', 'customer-', 'product-'];

