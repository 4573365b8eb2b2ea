import type { Money } from '../shared/money';

export interface AddProduct {
  readonly type: 'AddProduct';
  readonly productId: string;
  readonly sku: string;
  readonly name: string;
  readonly price: Money;
}

export interface RenameProduct {
  readonly type: 'RenameProduct';
  readonly productId: string;
  readonly name: string;
}

export interface ChangeProductPrice {
  readonly type: 'ChangeProductPrice';
  readonly productId: string;
  readonly price: Money;
}

export type ProductCommand = AddProduct | RenameProduct | ChangeProductPrice;
