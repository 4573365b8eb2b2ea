import { assertNever, type Decider } from '../shared/decider';
import { assertEmail, assertName, assertUuid } from '../shared/values';
import type { CustomerCommand } from './customer.commands';
import { CustomerAlreadyRegistered, CustomerNotFound } from './customer.errors';
import type { CustomerEvent } from './customer.events';

export type CustomerState =
  | { readonly status: 'unregistered' }
  | { readonly status: 'registered'; readonly customerId: string; readonly name: string; readonly email: string };

const registered = (command: CustomerCommand, state: CustomerState) => {
  if (state.status !== 'registered') throw new CustomerNotFound(command.customerId);
  return state;
};

const decide = (command: CustomerCommand, state: CustomerState): CustomerEvent[] => {
  switch (command.type) {
    case 'RegisterCustomer': {
      if (state.status === 'registered') throw new CustomerAlreadyRegistered(command.customerId);
      const customerId = assertUuid(command.customerId, 'customerId');
      return [{ type: 'CustomerRegistered', data: { customerId, name: assertName(command.name), email: assertEmail(command.email) } }];
    }
    case 'RenameCustomer': {
      const current = registered(command, state);
      const name = assertName(command.name);
      return name === current.name ? [] : [{ type: 'CustomerRenamed', data: { customerId: current.customerId, name } }];
    }
    case 'ChangeCustomerEmail': {
      const current = registered(command, state);
      const email = assertEmail(command.email);
      return email === current.email
        ? []
        : [{ type: 'CustomerEmailChanged', data: { customerId: current.customerId, email, previousEmail: current.email } }];
    }
    default:
      return assertNever(command);
  }
};

const evolve = (state: CustomerState, event: CustomerEvent): CustomerState => {
  switch (event.type) {
    case 'CustomerRegistered':
      return { status: 'registered', ...event.data };
    case 'CustomerRenamed':
      return state.status === 'registered' ? { ...state, name: event.data.name } : state;
    case 'CustomerEmailChanged':
      return state.status === 'registered' ? { ...state, email: event.data.email } : state;
    default:
      return assertNever(event);
  }
};

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState> = {
  decide,
  evolve,
  initialState: { status: 'unregistered' },
  stateVersion: 1,
};
