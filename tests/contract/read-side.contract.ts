// Read-side tests the memory and PostgreSQL adapters share beyond the ReadModelStore contract: the real
// read-model definitions when none are given, a commit refused whole when a document holds a value JSON
// cannot, and the validation of documents and limits. The MongoDB spec does not run this suite; what
// every adapter must do is in read-model-store.contract.ts.
import type { ReadModelDefinition } from '../../src/application/ports';
import { collections, type OrderSearchDocument } from '../../src/application/projections/read-models';
import { uniqueName, type ReadSide } from './read-model-store.contract';

/** Opens the adapter with `definitions`, or with the real read-model definitions when none are given. */
export type ReadSideWithDefaultsFactory = (definitions?: readonly ReadModelDefinition[]) => Promise<ReadSide>;

export const readSideContract = (adapterName: string, factory: ReadSideWithDefaultsFactory): void => {
  describe(`${adapterName}: read side beyond the ReadModelStore contract`, () => {
    const opened: ReadSide[] = [];
    const open = async (definitions?: readonly ReadModelDefinition[]): Promise<ReadSide> => {
      const side = await factory(definitions);
      opened.push(side);
      return side;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((side) => side.dispose()));
    });

    it('searches the real read-model definitions by default (order_search: customer and product names)', async () => {
      const { readModels } = await open();
      const doc = (orderId: string, customerName: string, productName: string): OrderSearchDocument => ({
        orderId,
        customerId: 'c1',
        customerName,
        status: 'draft',
        products: [{ productId: 'p1', name: productName }],
        createdAt: '2024-01-01T00:00:00.000Z',
      });
      await readModels.resetCollections([collections.orderSearch]);
      await readModels.commit(
        [
          { kind: 'put', collection: collections.orderSearch, id: 'o1', data: doc('o1', 'Ada Lovelace', 'Brass Lamp'), position: '1' },
          { kind: 'put', collection: collections.orderSearch, id: 'o2', data: doc('o2', 'Lamp Lighter', 'Oak Desk'), position: '2' },
        ],
        null,
      );

      expect((await readModels.search(collections.orderSearch, 'lamp', 10)).map((found) => found.id)).toEqual(['o2', 'o1']);
      expect(await readModels.search(collections.orderList, 'lamp', 10)).toEqual([]);
    });

    it('a commit with a document JSON cannot hold changes nothing, checkpoint included', async () => {
      const { readModels, checkpoints } = await open([]);
      const bad = (collection: string, id: string, position: string) => ({ kind: 'put' as const, collection, id, data: { n: 1n }, position });

      // Into an empty collection, for a projection with no checkpoint yet.
      const empty = uniqueName('c');
      const unseen = uniqueName('p');
      await expect(
        readModels.commit([{ kind: 'put', collection: empty, id: 'a', data: { n: 1 }, position: '1' }, bad(empty, 'b', '2')], { projection: unseen, position: '2' }),
      ).rejects.toThrow(TypeError);
      expect(await readModels.count(empty)).toBe(0);
      expect(await checkpoints.load(unseen)).toBeNull();

      // Over a document and a checkpoint that are there.
      const c = uniqueName('c');
      const projection = uniqueName('p');
      await readModels.commit([{ kind: 'put', collection: c, id: 'kept', data: { n: 1 }, position: '1' }], { projection, position: '1' });
      await expect(
        readModels.commit([{ kind: 'put', collection: c, id: 'kept', data: { n: 2 }, position: '2' }, bad(c, 'b', '2')], { projection, position: '2' }),
      ).rejects.toThrow(TypeError);
      expect((await readModels.get(c, 'kept'))?.data).toEqual({ n: 1 });
      expect(await readModels.count(c)).toBe(1);
      expect(await checkpoints.load(projection)).toBe('1');
    });

    it('rejects documents that are not JSON objects, and invalid limits', async () => {
      const { readModels } = await open([]);
      const c = uniqueName('c');

      await expect(readModels.commit([{ kind: 'put', collection: c, id: 'a', data: [1, 2], position: '1' }], null)).rejects.toThrow(TypeError);
      await expect(readModels.find(c, { orderBy: { fields: ['id'], direction: 'asc' }, limit: 0 })).rejects.toThrow(RangeError);
      await expect(readModels.search(c, 'lamp', 0)).rejects.toThrow(RangeError);
    });
  });
};
