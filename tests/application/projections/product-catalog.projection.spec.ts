import { productCatalogProjection as projection } from '../../../src/application/projections/product-catalog.projection';
import type { ProductCatalogDocument } from '../../../src/application/projections/read-models';
import type { RecordedEvent } from '../../../src/application/ports';
import {
  PRICE,
  PRODUCT_ID,
  PRODUCT_NAME,
  SKU,
  customerRegistered,
  eur,
  itemAdded,
  orderCreated,
  orderPaid,
  productAdded,
  productPriceChanged,
  productRenamed,
  emailReserved,
} from '../../support/domain-fixtures';
import { itIgnores, LATER, OCCURRED_AT, recorded, recordedLater } from '../../support/recorded-events';

const product = (fields: Partial<ProductCatalogDocument> = {}): ProductCatalogDocument => ({
  productId: PRODUCT_ID,
  sku: SKU,
  name: PRODUCT_NAME,
  price: PRICE,
  addedAt: OCCURRED_AT,
  updatedAt: OCCURRED_AT,
  ...fields,
});

const evolve = (doc: ProductCatalogDocument | null, event: RecordedEvent) => projection.evolve(doc, event, null);

describe('product catalog projection', () => {
  it('runs on a persistent subscription: one document per product stream, no reference, no fan-out', () => {
    expect(projection.mode).toBe('persistent');
    expect(projection.reference).toBeUndefined();
    expect(projection.fanOut).toBeUndefined();
  });

  describe('ProductAdded', () => {
    it('lists the product', () => {
      const event = recorded(productAdded());
      expect(projection.documentId(event)).toBe(PRODUCT_ID);
      expect(evolve(null, event)).toEqual(product());
    });
  });

  describe('ProductRenamed', () => {
    it('changes the name', () => {
      const event = recordedLater(productRenamed('Widget Pro'));
      expect(projection.documentId(event)).toBe(PRODUCT_ID);
      expect(evolve(product(), event)).toEqual(product({ name: 'Widget Pro', updatedAt: LATER }));
    });

    it('needs the product to exist', () => {
      expect(evolve(null, recorded(productRenamed('Widget Pro')))).toBeNull();
    });
  });

  describe('ProductPriceChanged', () => {
    it('changes the price', () => {
      const event = recordedLater(productPriceChanged(eur(999)));
      expect(projection.documentId(event)).toBe(PRODUCT_ID);
      expect(evolve(product(), event)).toEqual(product({ price: eur(999), updatedAt: LATER }));
    });
  });

  itIgnores(projection, product(), [customerRegistered(), emailReserved(), orderCreated(), itemAdded(), orderPaid()]);
});
