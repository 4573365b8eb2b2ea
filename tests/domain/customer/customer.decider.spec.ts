import { CustomerAlreadyRegistered, customerDecider, CustomerNotFound, fold, InvalidValue } from '../../../src/domain';
import {
  changeCustomerEmail,
  CUSTOMER_EMAIL,
  CUSTOMER_ID,
  CUSTOMER_NAME,
  customerEmailChanged,
  customerRegistered,
  customerRenamed,
  OTHER_EMAIL,
  registerCustomer,
  renameCustomer,
  UPPER_CASE_UUID,
} from '../../support/domain-fixtures';
import { deciderSpec } from '../../support/gwt';

const spec = deciderSpec(customerDecider);

const invalidNames = [
  ['empty', ''],
  ['only whitespace', '   '],
  ['longer than 200 characters', 'x'.repeat(201)],
  ['with a control character', 'Ada\u0000Lovelace'],
];

const invalidEmails = [
  ['empty', ''],
  ['without @', 'ada.example.com'],
  ['with two @', 'ada@lovelace@example.com'],
  ['without a dot in the domain', 'ada@localhost'],
  ['with a space', 'ada lovelace@example.com'],
  ['with an empty domain label', 'ada@example..com'],
  ['longer than 254 characters', `${'a'.repeat(64)}@${'b'.repeat(186)}.com`],
];

describe('Customer decider', () => {
  describe('RegisterCustomer', () => {
    it('registers a new customer', () => {
      spec.given([]).when(registerCustomer()).then([customerRegistered()]);
    });

    it('trims the name and normalizes the email', () => {
      spec
        .given([])
        .when(registerCustomer({ name: '  Ada Lovelace ', email: ' Ada@Example.COM ' }))
        .then([customerRegistered({ name: 'Ada Lovelace', email: 'ada@example.com' })]);
    });

    it('accepts a name of exactly 200 characters', () => {
      const name = 'x'.repeat(200);
      spec.given([]).when(registerCustomer({ name })).then([customerRegistered({ name })]);
    });

    it('accepts an email of exactly 254 characters', () => {
      const email = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
      spec.given([]).when(registerCustomer({ email })).then([customerRegistered({ email })]);
    });

    it('refuses to register the same customer twice', () => {
      spec.given([customerRegistered()]).when(registerCustomer()).thenThrows(CustomerAlreadyRegistered, { customerId: CUSTOMER_ID });
    });

    it.each([
      ['not a UUID', 'customer-1'],
      ['an upper-case UUID', UPPER_CASE_UUID],
    ])('rejects a customerId that is %s', (_, customerId) => {
      spec.given([]).when(registerCustomer({ customerId })).thenThrows(InvalidValue, { field: 'customerId' });
    });

    it.each(invalidNames)('rejects a name that is %s', (_, name) => {
      spec.given([]).when(registerCustomer({ name })).thenThrows(InvalidValue, { field: 'name' });
    });

    it.each(invalidEmails)('rejects an email that is %s', (_, email) => {
      spec.given([]).when(registerCustomer({ email })).thenThrows(InvalidValue, { field: 'email' });
    });
  });

  describe('RenameCustomer', () => {
    it('renames a registered customer', () => {
      spec.given([customerRegistered()]).when(renameCustomer('Augusta King')).then([customerRenamed('Augusta King')]);
    });

    it('renames relative to the latest name', () => {
      spec.given([customerRegistered(), customerRenamed('Augusta King')]).when(renameCustomer(CUSTOMER_NAME)).then([customerRenamed(CUSTOMER_NAME)]);
    });

    it('trims the new name', () => {
      spec.given([customerRegistered()]).when(renameCustomer('  Augusta King  ')).then([customerRenamed('Augusta King')]);
    });

    it.each([
      ['the same name', CUSTOMER_NAME],
      ['the same name with surrounding spaces', ` ${CUSTOMER_NAME}  `],
    ])('yields nothing for %s', (_, name) => {
      spec.given([customerRegistered()]).when(renameCustomer(name)).thenNothing();
    });

    it('refuses an unregistered customer', () => {
      spec.given([]).when(renameCustomer('Augusta King')).thenThrows(CustomerNotFound, { customerId: CUSTOMER_ID });
    });

    it.each(invalidNames)('rejects a name that is %s', (_, name) => {
      spec.given([customerRegistered()]).when(renameCustomer(name)).thenThrows(InvalidValue, { field: 'name' });
    });
  });

  describe('ChangeCustomerEmail', () => {
    it('changes the email, remembering the previous one', () => {
      spec.given([customerRegistered()]).when(changeCustomerEmail(OTHER_EMAIL)).then([customerEmailChanged(OTHER_EMAIL, CUSTOMER_EMAIL)]);
    });

    it('normalizes the new email', () => {
      spec.given([customerRegistered()]).when(changeCustomerEmail(' Countess@Example.ORG ')).then([customerEmailChanged(OTHER_EMAIL)]);
    });

    it('compares with the latest email', () => {
      spec
        .given([customerRegistered(), customerEmailChanged(OTHER_EMAIL)])
        .when(changeCustomerEmail(CUSTOMER_EMAIL))
        .then([customerEmailChanged(CUSTOMER_EMAIL, OTHER_EMAIL)]);
    });

    it.each([
      ['the same email', CUSTOMER_EMAIL],
      ['the same email in another case', 'ADA@example.com'],
    ])('yields nothing for %s', (_, email) => {
      spec.given([customerRegistered()]).when(changeCustomerEmail(email)).thenNothing();
    });

    it('refuses an unregistered customer', () => {
      spec.given([]).when(changeCustomerEmail(OTHER_EMAIL)).thenThrows(CustomerNotFound, { customerId: CUSTOMER_ID });
    });

    it.each(invalidEmails)('rejects an email that is %s', (_, email) => {
      spec.given([customerRegistered()]).when(changeCustomerEmail(email)).thenThrows(InvalidValue, { field: 'email' });
    });
  });

  describe('evolve', () => {
    const { evolve, initialState } = customerDecider;

    it('starts unregistered', () => {
      expect(initialState).toEqual({ status: 'unregistered' });
    });

    it('keeps the latest name and email', () => {
      const state = fold(customerDecider, initialState, [
        customerRegistered(),
        customerRenamed('Augusta King'),
        customerEmailChanged(OTHER_EMAIL),
      ]);
      expect(state).toEqual({ status: 'registered', customerId: CUSTOMER_ID, name: 'Augusta King', email: OTHER_EMAIL });
    });

    it('ignores changes to a customer that was never registered', () => {
      expect(evolve(initialState, customerRenamed('Augusta King'))).toEqual({ status: 'unregistered' });
      expect(evolve(initialState, customerEmailChanged(OTHER_EMAIL))).toEqual({ status: 'unregistered' });
    });
  });
});
