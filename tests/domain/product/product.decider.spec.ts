import { fold, InvalidValue, MAX_PRICE_AMOUNT, type Money, ProductAlreadyExists, productDecider, ProductNotFound } from '../../../src/domain';
import {
  addProduct,
  changeProductPrice,
  eur,
  PRICE,
  PRODUCT_ID,
  PRODUCT_NAME,
  productAdded,
  productPriceChanged,
  productRenamed,
  renameProduct,
  SKU,
  UPPER_CASE_UUID,
  usd,
} from '../../support/domain-fixtures';
import { deciderSpec } from '../../support/gwt';

const spec = deciderSpec(productDecider);

const invalidNames = [
  ['empty', ''],
  ['only whitespace', ' \t '],
  ['longer than 200 characters', 'x'.repeat(201)],
  ['with a control character', 'Wid\u0007get'],
];

const invalidPrices: [string, Money, string][] = [
  ['a negative amount', eur(-1), 'price.amount'],
  ['a fractional amount', eur(12.5), 'price.amount'],
  ['an amount above the maximum', eur(MAX_PRICE_AMOUNT + 1), 'price.amount'],
  ['a NaN amount', eur(Number.NaN), 'price.amount'],
  ['an unknown currency', { amount: 100, currency: 'XXX' }, 'price.currency'],
  ['a lower-case currency', { amount: 100, currency: 'eur' }, 'price.currency'],
];

describe('Product decider', () => {
  describe('AddProduct', () => {
    it('adds a product', () => {
      spec.given([]).when(addProduct()).then([productAdded()]);
    });

    it('trims the name', () => {
      spec.given([]).when(addProduct({ name: '  Widget  ' })).then([productAdded({ name: PRODUCT_NAME })]);
    });

    it.each([
      ['free', eur(0)],
      ['at the maximum price', eur(MAX_PRICE_AMOUNT)],
      ['priced in a zero-decimal currency', { amount: 500, currency: 'JPY' }],
    ])('accepts a product %s', (_, price) => {
      spec.given([]).when(addProduct({ price })).then([productAdded({ price })]);
    });

    it.each(['A', 'a.b_c-d', `X${'9'.repeat(63)}`])('accepts the sku %j', (sku) => {
      spec.given([]).when(addProduct({ sku })).then([productAdded({ sku })]);
    });

    it('refuses a product that already exists', () => {
      spec.given([productAdded()]).when(addProduct()).thenThrows(ProductAlreadyExists, { productId: PRODUCT_ID });
    });

    it.each(['product-1', UPPER_CASE_UUID, ''])('rejects the productId %j', (productId) => {
      spec.given([]).when(addProduct({ productId })).thenThrows(InvalidValue, { field: 'productId' });
    });

    it.each([
      ['empty', ''],
      ['starting with a dash', '-WIDGET'],
      ['containing a space', 'WID GET'],
      ['containing a slash', 'WID/GET'],
      ['longer than 64 characters', `X${'9'.repeat(64)}`],
    ])('rejects a sku that is %s', (_, sku) => {
      spec.given([]).when(addProduct({ sku })).thenThrows(InvalidValue, { field: 'sku' });
    });

    it.each(invalidNames)('rejects a name that is %s', (_, name) => {
      spec.given([]).when(addProduct({ name })).thenThrows(InvalidValue, { field: 'name' });
    });

    it.each(invalidPrices)('rejects a price with %s', (_, price, field) => {
      spec.given([]).when(addProduct({ price })).thenThrows(InvalidValue, { field });
    });
  });

  describe('RenameProduct', () => {
    it('renames a product', () => {
      spec.given([productAdded()]).when(renameProduct('Sprocket')).then([productRenamed('Sprocket')]);
    });

    it('trims the new name', () => {
      spec.given([productAdded()]).when(renameProduct(' Sprocket ')).then([productRenamed('Sprocket')]);
    });

    it('yields nothing for the current name', () => {
      spec.given([productAdded(), productRenamed('Sprocket')]).when(renameProduct(' Sprocket')).thenNothing();
    });

    it('refuses a product that does not exist', () => {
      spec.given([]).when(renameProduct('Sprocket')).thenThrows(ProductNotFound, { productId: PRODUCT_ID });
    });

    it.each(invalidNames)('rejects a name that is %s', (_, name) => {
      spec.given([productAdded()]).when(renameProduct(name)).thenThrows(InvalidValue, { field: 'name' });
    });
  });

  describe('ChangeProductPrice', () => {
    it('changes the price, remembering the previous one', () => {
      spec.given([productAdded()]).when(changeProductPrice(eur(1499))).then([productPriceChanged(eur(1499), PRICE)]);
    });

    it('treats another currency with the same amount as a change', () => {
      spec.given([productAdded()]).when(changeProductPrice(usd(PRICE.amount))).then([productPriceChanged(usd(PRICE.amount))]);
    });

    it('compares with the latest price', () => {
      spec
        .given([productAdded(), productPriceChanged(eur(1499))])
        .when(changeProductPrice(PRICE))
        .then([productPriceChanged(PRICE, eur(1499))]);
    });

    it('yields nothing for the current price', () => {
      spec.given([productAdded()]).when(changeProductPrice(eur(PRICE.amount))).thenNothing();
    });

    it('refuses a product that does not exist', () => {
      spec.given([]).when(changeProductPrice(eur(1499))).thenThrows(ProductNotFound, { productId: PRODUCT_ID });
    });

    it.each(invalidPrices)('rejects a price with %s', (_, price, field) => {
      spec.given([productAdded()]).when(changeProductPrice(price)).thenThrows(InvalidValue, { field });
    });
  });

  describe('evolve', () => {
    const { evolve, initialState } = productDecider;

    it('starts absent', () => {
      expect(initialState).toEqual({ status: 'absent' });
    });

    it('keeps the latest name and price', () => {
      const state = fold(productDecider, initialState, [productAdded(), productRenamed('Sprocket'), productPriceChanged(eur(1499))]);
      expect(state).toEqual({ status: 'listed', productId: PRODUCT_ID, sku: SKU, name: 'Sprocket', price: eur(1499) });
    });

    it('ignores changes to a product that was never added', () => {
      expect(evolve(initialState, productRenamed('Sprocket'))).toEqual({ status: 'absent' });
      expect(evolve(initialState, productPriceChanged(eur(1499)))).toEqual({ status: 'absent' });
    });
  });
});
