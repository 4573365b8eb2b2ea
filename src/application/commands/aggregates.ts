import {
  customerDecider,
  emailReservationDecider,
  orderDecider,
  productDecider,
  type Decider,
  type ServiceEvent,
} from '../../domain';
import { streams } from '../streams';

/** A decider plus where its streams live: all the command path needs to know about an aggregate. */
export interface Aggregate<C, E extends ServiceEvent, S> {
  readonly name: string;
  readonly decider: Decider<C, E, S>;
  readonly streamId: (id: string) => string;
}

const aggregate = <C, E extends ServiceEvent, S>(name: string, decider: Decider<C, E, S>, streamId: (id: string) => string): Aggregate<C, E, S> => ({
  name,
  decider,
  streamId,
});

export const aggregates = {
  customer: aggregate('customer', customerDecider, streams.customer),
  emailReservation: aggregate('email-reservation', emailReservationDecider, streams.emailReservation),
  product: aggregate('product', productDecider, streams.product),
  order: aggregate('order', orderDecider, streams.order),
};

export type AnyAggregate = (typeof aggregates)[keyof typeof aggregates];
