export interface RegisterCustomer {
  readonly type: 'RegisterCustomer';
  readonly customerId: string;
  readonly name: string;
  readonly email: string;
}

export interface RenameCustomer {
  readonly type: 'RenameCustomer';
  readonly customerId: string;
  readonly name: string;
}

export interface ChangeCustomerEmail {
  readonly type: 'ChangeCustomerEmail';
  readonly customerId: string;
  readonly email: string;
}

export type CustomerCommand = RegisterCustomer | RenameCustomer | ChangeCustomerEmail;

export interface ReserveEmail {
  readonly type: 'ReserveEmail';
  readonly email: string;
  readonly customerId: string;
}

export interface ReleaseEmail {
  readonly type: 'ReleaseEmail';
  readonly email: string;
  readonly customerId: string;
}

export type EmailReservationCommand = ReserveEmail | ReleaseEmail;
