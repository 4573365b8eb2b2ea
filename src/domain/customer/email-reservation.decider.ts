import { assertNever, type Decider } from '../shared/decider';
import { assertEmail } from '../shared/values';
import type { EmailReservationCommand } from './customer.commands';
import { EmailAlreadyInUse } from './customer.errors';
import type { EmailReservationEvent } from './customer.events';

/** Who holds an email. The stream of reservations is keyed by the normalized email. */
export type EmailReservationState =
  | { readonly status: 'free' }
  | { readonly status: 'reserved'; readonly email: string; readonly customerId: string };

const decide = (command: EmailReservationCommand, state: EmailReservationState): EmailReservationEvent[] => {
  const email = assertEmail(command.email);
  switch (command.type) {
    case 'ReserveEmail':
      if (state.status === 'reserved') {
        // Re-reserving for the same customer is a retry, not a conflict.
        if (state.customerId === command.customerId) return [];
        throw new EmailAlreadyInUse(email);
      }
      return [{ type: 'EmailReserved', data: { email, customerId: command.customerId } }];
    case 'ReleaseEmail':
      return state.status === 'reserved' && state.customerId === command.customerId
        ? [{ type: 'EmailReleased', data: { email, customerId: command.customerId } }]
        : [];
    default:
      return assertNever(command);
  }
};

const evolve = (state: EmailReservationState, event: EmailReservationEvent): EmailReservationState => {
  switch (event.type) {
    case 'EmailReserved':
      return { status: 'reserved', email: event.data.email, customerId: event.data.customerId };
    case 'EmailReleased':
      return { status: 'free' };
    default:
      return assertNever(event);
  }
};

export const emailReservationDecider: Decider<EmailReservationCommand, EmailReservationEvent, EmailReservationState> = {
  decide,
  evolve,
  initialState: { status: 'free' },
  stateVersion: 1,
};
