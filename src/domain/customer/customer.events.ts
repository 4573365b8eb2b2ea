import type { DomainEvent } from '../shared/decider';

export type CustomerRegistered = DomainEvent<'CustomerRegistered', { customerId: string; name: string; email: string }>;
export type CustomerRenamed = DomainEvent<'CustomerRenamed', { customerId: string; name: string }>;
export type CustomerEmailChanged = DomainEvent<
  'CustomerEmailChanged',
  { customerId: string; email: string; previousEmail: string }
>;

export type CustomerEvent = CustomerRegistered | CustomerRenamed | CustomerEmailChanged;

/** Reservation stream events: one stream per normalized email makes the email unique. */
export type EmailReserved = DomainEvent<'EmailReserved', { email: string; customerId: string }>;
export type EmailReleased = DomainEvent<'EmailReleased', { email: string; customerId: string }>;

export type EmailReservationEvent = EmailReserved | EmailReleased;
