import { EmailAlreadyInUse, emailReservationDecider, fold, InvalidValue } from '../../../src/domain';
import {
  CUSTOMER_EMAIL,
  CUSTOMER_ID,
  emailReleased,
  emailReserved,
  OTHER_CUSTOMER_ID,
  releaseEmail,
  reserveEmail,
} from '../../support/domain-fixtures';
import { deciderSpec } from '../../support/gwt';

const spec = deciderSpec(emailReservationDecider);

describe('Email reservation decider', () => {
  describe('ReserveEmail', () => {
    it('reserves a free email for a customer', () => {
      spec.given([]).when(reserveEmail()).then([emailReserved()]);
    });

    it('reserves the normalized email', () => {
      spec.given([]).when(reserveEmail({ email: '  ADA@Example.com ' })).then([emailReserved({ email: CUSTOMER_EMAIL })]);
    });

    it('yields nothing when the same customer retries', () => {
      spec.given([emailReserved()]).when(reserveEmail()).thenNothing();
    });

    it('refuses an email another customer holds', () => {
      spec
        .given([emailReserved()])
        .when(reserveEmail({ customerId: OTHER_CUSTOMER_ID, email: 'Ada@Example.com' }))
        .thenThrows(EmailAlreadyInUse, { email: CUSTOMER_EMAIL });
    });

    it('lets another customer take an email once it is released', () => {
      spec
        .given([emailReserved(), emailReleased()])
        .when(reserveEmail({ customerId: OTHER_CUSTOMER_ID }))
        .then([emailReserved({ customerId: OTHER_CUSTOMER_ID })]);
    });

    it.each(['', 'not-an-email', 'ada@localhost'])('rejects the invalid email %j', (email) => {
      spec.given([]).when(reserveEmail({ email })).thenThrows(InvalidValue, { field: 'email' });
    });
  });

  describe('ReleaseEmail', () => {
    it('releases an email held by the same customer', () => {
      spec.given([emailReserved()]).when(releaseEmail()).then([emailReleased()]);
    });

    it('releases the normalized email', () => {
      spec.given([emailReserved()]).when(releaseEmail({ email: 'ADA@EXAMPLE.COM' })).then([emailReleased({ email: CUSTOMER_EMAIL })]);
    });

    it.each([
      ['the email is free', []],
      ['the email was already released', [emailReserved(), emailReleased()]],
      ['another customer holds the email', [emailReserved({ customerId: OTHER_CUSTOMER_ID })]],
    ])('yields nothing when %s', (_, history) => {
      spec.given(history).when(releaseEmail()).thenNothing();
    });

    it('rejects an invalid email', () => {
      spec.given([emailReserved()]).when(releaseEmail({ email: 'not-an-email' })).thenThrows(InvalidValue, { field: 'email' });
    });
  });

  describe('evolve', () => {
    it('starts free', () => {
      expect(emailReservationDecider.initialState).toEqual({ status: 'free' });
    });

    it('records who holds the email, and frees it on release', () => {
      const { initialState } = emailReservationDecider;
      expect(fold(emailReservationDecider, initialState, [emailReserved()])).toEqual({
        status: 'reserved',
        email: CUSTOMER_EMAIL,
        customerId: CUSTOMER_ID,
      });
      expect(fold(emailReservationDecider, initialState, [emailReserved(), emailReleased()])).toEqual({ status: 'free' });
    });
  });
});
