import { assertNever, type Decider } from '../shared/decider';
import { assertPrice, sameMoney, type Money } from '../shared/money';
import { assertName, assertSku, assertUuid } from '../shared/values';
import type { ProductCommand } from './product.commands';
import { ProductAlreadyExists, ProductNotFound } from './product.errors';
import type { ProductEvent } from './product.events';

export type ProductState =
  | { readonly status: 'absent' }
  | { readonly status: 'listed'; readonly productId: string; readonly sku: string; readonly name: string; readonly price: Money };

const listed = (productId: string, state: ProductState) => {
  if (state.status !== 'listed') throw new ProductNotFound(productId);
  return state;
};

const decide = (command: ProductCommand, state: ProductState): ProductEvent[] => {
  switch (command.type) {
    case 'AddProduct': {
      if (state.status === 'listed') throw new ProductAlreadyExists(command.productId);
      const data = {
        productId: assertUuid(command.productId, 'productId'),
        sku: assertSku(command.sku),
        name: assertName(command.name),
        price: assertPrice(command.price),
      };
      return [{ type: 'ProductAdded', data }];
    }
    case 'RenameProduct': {
      const current = listed(command.productId, state);
      const name = assertName(command.name);
      return name === current.name ? [] : [{ type: 'ProductRenamed', data: { productId: current.productId, name } }];
    }
    case 'ChangeProductPrice': {
      const current = listed(command.productId, state);
      const price = assertPrice(command.price);
      return sameMoney(price, current.price)
        ? []
        : [{ type: 'ProductPriceChanged', data: { productId: current.productId, price, previousPrice: current.price } }];
    }
    default:
      return assertNever(command);
  }
};

const evolve = (state: ProductState, event: ProductEvent): ProductState => {
  switch (event.type) {
    case 'ProductAdded':
      return { status: 'listed', ...event.data };
    case 'ProductRenamed':
      return state.status === 'listed' ? { ...state, name: event.data.name } : state;
    case 'ProductPriceChanged':
      return state.status === 'listed' ? { ...state, price: event.data.price } : state;
    default:
      return assertNever(event);
  }
};

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  decide,
  evolve,
  initialState: { status: 'absent' },
  stateVersion: 1,
};
