import { randomUUID } from 'node:crypto';
import {
  rebuildCopyOf,
  type CheckpointStore,
  type DocumentWrite,
  type FindQuery,
  type ReadModelDefinition,
  type ReadModelStore,
  type Scalar,
} from '../../src/application/ports';

/** One adapter's read side: the document store and the checkpoint store its commits write to. */
export interface ReadSide {
  readonly readModels: ReadModelStore;
  readonly checkpoints: CheckpointStore;
  dispose(): Promise<void>;
}

/**
 * Opens the adapter with the indexes and text indexes of `definitions` (rebuild copies of those
 * collections included). Storage may be shared by every test: each test uses fresh names.
 */
export type ReadSideFactory = (definitions: readonly ReadModelDefinition[]) => Promise<ReadSide>;

export interface ReadModelStoreContractOptions {
  /** false for a store whose commit is not one transaction (MongoDB without a replica set): skips the rollback test. */
  readonly atomicCommit?: boolean;
}

/** A fresh lower-case name, valid as a MongoDB collection or a PostgreSQL identifier. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

const put = (collection: string, id: string, data: unknown, position: string, revision?: number): DocumentWrite =>
  revision === undefined ? { kind: 'put', collection, id, data, position } : { kind: 'put', collection, id, data, position, revision };

const del = (collection: string, id: string, position: string): DocumentWrite => ({ kind: 'delete', collection, id, position });

/** The text fields of the real order_search collection (src/application/projections/read-models.ts), on a collection of the test's own. */
const searchDefinition = (collection: string): ReadModelDefinition => ({
  collection,
  textFields: [
    { field: 'customerName', weight: 3 },
    { field: 'products.name', weight: 2 },
  ],
});

interface SearchDoc {
  readonly customerName: string | null;
  readonly products: readonly { readonly productId: string; readonly name: string }[];
}

const searchDoc = (customerName: string | null, ...productNames: string[]): SearchDoc => ({
  customerName,
  products: productNames.map((name, i) => ({ productId: `p${i}`, name })),
});

export const readModelStoreContract = (adapterName: string, factory: ReadSideFactory, options: ReadModelStoreContractOptions = {}): void => {
  describe(`${adapterName}: ReadModelStore contract`, () => {
    const opened: ReadSide[] = [];
    const open = async (definitions: readonly ReadModelDefinition[] = []): Promise<ReadSide> => {
      const side = await factory(definitions);
      opened.push(side);
      return side;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((side) => side.dispose()));
    });

    const dataOf = async (store: ReadModelStore, collection: string, id: string) => (await store.get(collection, id))?.data ?? null;

    describe('get, getMany, count', () => {
      it('reads back a committed document with its id, position, revision and data', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        const data = { name: 'Ada', tags: ['a', 'b'], nested: { n: 1.5, flag: true, none: null }, lines: [{ q: 2 }] };
        await readModels.commit([put(c, 'with-rev', data, '7', 3), put(c, 'without-rev', { name: 'Bob' }, '8')], null);

        expect(await readModels.get(c, 'with-rev')).toEqual({ id: 'with-rev', position: '7', revision: 3, data });
        expect(await readModels.get(c, 'without-rev')).toEqual({ id: 'without-rev', position: '8', revision: null, data: { name: 'Bob' } });
      });

      it('reads of unknown collections and ids are empty', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'a', { n: 1 }, '1')], null);
        const unknown = uniqueName('unknown');

        expect(await readModels.get(c, 'missing')).toBeNull();
        expect(await readModels.get(unknown, 'a')).toBeNull();
        expect((await readModels.getMany(unknown, ['a'])).size).toBe(0);
        expect(await readModels.find(unknown, { orderBy: { fields: ['id'], direction: 'asc' }, limit: 10 })).toEqual([]);
        expect(await readModels.count(unknown)).toBe(0);
      });

      it('getMany returns the documents that exist, keyed by id', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'a', { n: 1 }, '1'), put(c, 'b', { n: 2 }, '2'), put(c, 'c', { n: 3 }, '3')], null);

        const found = await readModels.getMany<{ n: number }>(c, ['b', 'missing', 'a']);

        expect([...found.keys()].sort()).toEqual(['a', 'b']);
        expect(found.get('a')).toEqual({ id: 'a', position: '1', revision: null, data: { n: 1 } });
        expect(found.get('b')?.data.n).toBe(2);
        expect((await readModels.getMany(c, [])).size).toBe(0);
      });

      it('count counts the documents of one collection', async () => {
        const { readModels } = await open();
        const [c1, c2] = [uniqueName('c'), uniqueName('c')];
        await readModels.commit([put(c1, 'a', {}, '1'), put(c1, 'b', {}, '2'), put(c2, 'a', {}, '3'), put(c1, 'a', { again: true }, '4')], null);

        expect(await readModels.count(c1)).toBe(2);
        expect(await readModels.count(c2)).toBe(1);
      });
    });

    describe('guarded writes', () => {
      it('a put with a newer position replaces the document; older or equal positions are skipped ("9" < "10")', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'd', { v: 1 }, '9')], null);
        await readModels.commit([put(c, 'd', { v: 2 }, '10')], null);
        expect(await readModels.get(c, 'd')).toMatchObject({ position: '10', data: { v: 2 } });

        await readModels.commit([put(c, 'd', { v: 3 }, '9')], null);
        await readModels.commit([put(c, 'd', { v: 4 }, '10')], null);
        expect(await readModels.get(c, 'd')).toMatchObject({ position: '10', data: { v: 2 } });

        await readModels.commit([put(c, 'd', { v: 5 }, '100')], null);
        expect(await readModels.get(c, 'd')).toMatchObject({ position: '100', data: { v: 5 } });
      });

      it('commit/prepare positions compare as numbers ("5/5" < "10/10" < "100/100")', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'd', { v: 1 }, '10/10')], null);
        await readModels.commit([put(c, 'd', { v: 2 }, '5/5')], null);
        await readModels.commit([put(c, 'd', { v: 3 }, '9/9')], null);
        expect(await readModels.get(c, 'd')).toMatchObject({ position: '10/10', data: { v: 1 } });

        await readModels.commit([put(c, 'd', { v: 4 }, '100/100')], null);
        expect(await readModels.get(c, 'd')).toMatchObject({ position: '100/100', data: { v: 4 } });
      });

      it('a put with a revision is guarded by revision, whatever its position', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'd', { v: 1 }, '100', 9)], null);
        await readModels.commit([put(c, 'd', { v: 2 }, '200', 8)], null);
        await readModels.commit([put(c, 'd', { v: 3 }, '300', 9)], null);
        expect(await readModels.get(c, 'd')).toEqual({ id: 'd', position: '100', revision: 9, data: { v: 1 } });

        await readModels.commit([put(c, 'd', { v: 4 }, '50', 10)], null);
        expect(await readModels.get(c, 'd')).toEqual({ id: 'd', position: '50', revision: 10, data: { v: 4 } });
      });

      it('writes of one commit apply in order', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit(
          [
            put(c, 'd', { v: 1, name: 'old' }, '1'),
            put(c, 'd', { v: 2, name: 'old' }, '2'),
            put(c, 'd', { v: 3, name: 'old' }, '1'),
            { kind: 'update-where', collection: c, where: { field: 'v', equals: 2 }, set: { name: 'new' }, position: '3' },
            put(c, 'gone', { v: 9 }, '1'),
            del(c, 'gone', '2'),
          ],
          null,
        );

        expect(await readModels.get(c, 'd')).toMatchObject({ position: '3', data: { v: 2, name: 'new' } });
        expect(await readModels.get(c, 'gone')).toBeNull();
      });

      it('a delete is applied only with a newer position', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'd', { v: 1 }, '10'), put(c, 'other', { v: 1 }, '1')], null);

        await readModels.commit([del(c, 'd', '9')], null);
        await readModels.commit([del(c, 'd', '10')], null);
        expect(await dataOf(readModels, c, 'd')).toEqual({ v: 1 });

        await readModels.commit([del(c, 'd', '11'), del(c, 'never-existed', '11')], null);
        expect(await readModels.get(c, 'd')).toBeNull();
        expect(await readModels.count(c)).toBe(1);
      });
    });

    describe('find', () => {
      const asc = { fields: ['id'], direction: 'asc' } as const;
      const ids = (docs: readonly { id: string }[]) => docs.map((doc) => doc.id);

      it('where: every field equality must hold, with the value type', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit(
          [
            put(c, 'a', { customerId: 'c1', status: 'paid', priority: 2, rush: true }, '1'),
            put(c, 'b', { customerId: 'c1', status: 'draft', priority: 2, rush: false }, '2'),
            put(c, 'c', { customerId: 'c2', status: 'paid', priority: 2, rush: true }, '3'),
            put(c, 'd', { customerId: 'c1', status: 'paid', priority: '2', rush: true }, '4'),
          ],
          null,
        );
        const where = async (fields: Record<string, Scalar>) => ids(await readModels.find(c, { where: fields, orderBy: asc, limit: 10 }));

        expect(await where({ customerId: 'c1', status: 'paid' })).toEqual(['a', 'd']);
        expect(await where({ customerId: 'c1', priority: 2 })).toEqual(['a', 'b']);
        expect(await where({ rush: false })).toEqual(['b']);
        expect(await where({ customerId: 'c3' })).toEqual([]);
        expect(await where({})).toEqual(['a', 'b', 'c', 'd']);
      });

      it('range is inclusive; strings compare as strings, numbers as numbers (9 < 10)', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        const amounts = [2, 9, 10, 11, 100];
        await readModels.commit(
          amounts.map((amount, i) => put(c, `n${amount}`, { amount, date: `2024-01-0${i + 1}` }, String(i + 1))),
          null,
        );
        const inRange = async (range: FindQuery['range']) =>
          ids(await readModels.find(c, { range, orderBy: { fields: ['amount', 'id'], direction: 'asc' }, limit: 10 }));

        expect(await inRange({ field: 'amount', gte: 9, lte: 11 })).toEqual(['n9', 'n10', 'n11']);
        expect(await inRange({ field: 'amount', gte: 10 })).toEqual(['n10', 'n11', 'n100']);
        expect(await inRange({ field: 'amount', lte: 9 })).toEqual(['n2', 'n9']);
        expect(await inRange({ field: 'date', gte: '2024-01-02', lte: '2024-01-04' })).toEqual(['n9', 'n10', 'n11']);
        expect(await inRange({ field: 'date', gte: '2024-01-04T00:00:00Z' })).toEqual(['n100']);
      });

      it('orderBy sorts on the fields in either direction, the id breaking ties', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit(
          [
            put(c, 'b', { rank: 1, day: '2024-01-02' }, '1'),
            put(c, 'a', { rank: 2, day: '2024-01-01' }, '2'),
            put(c, 'c', { rank: 1, day: '2024-01-03' }, '3'),
            put(c, 'd', { rank: 10, day: '2024-01-01' }, '4'),
          ],
          null,
        );
        const sorted = async (fields: string[], direction: 'asc' | 'desc') => ids(await readModels.find(c, { orderBy: { fields, direction }, limit: 10 }));

        expect(await sorted(['rank', 'id'], 'asc')).toEqual(['b', 'c', 'a', 'd']);
        expect(await sorted(['rank', 'id'], 'desc')).toEqual(['d', 'a', 'c', 'b']);
        expect(await sorted(['day', 'id'], 'asc')).toEqual(['a', 'd', 'b', 'c']);
        expect(await sorted(['day', 'id'], 'desc')).toEqual(['c', 'b', 'd', 'a']);
        expect(await sorted(['id'], 'desc')).toEqual(['d', 'c', 'b', 'a']);
      });

      it('keyset pagination visits every matching document exactly once, in order, in both directions', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        // 30 documents, ranks with many ties, two kinds; dates tie too.
        const docs = Array.from({ length: 30 }, (_, i) => ({
          id: `o${String((i * 7) % 30).padStart(2, '0')}`,
          data: { kind: i % 3 === 0 ? 'other' : 'order', rank: i % 4, day: `2024-02-0${(i % 5) + 1}` },
        }));
        await readModels.commit(
          docs.map((doc, i) => put(c, doc.id, doc.data, String(i + 1))),
          null,
        );
        const orders = docs.filter((doc) => doc.data.kind === 'order' && doc.data.day <= '2024-02-04');

        const pages = async (fields: string[], direction: 'asc' | 'desc', limit: number) => {
          const seen: string[] = [];
          let after: Scalar[] | undefined;
          for (let page = 0; page < 50; page++) {
            const query: FindQuery = { where: { kind: 'order' }, range: { field: 'day', lte: '2024-02-04' }, orderBy: { fields, direction }, limit };
            const found = await readModels.find<{ rank: number; day: string }>(c, after ? { ...query, after } : query);
            expect(found.length).toBeLessThanOrEqual(limit);
            seen.push(...ids(found));
            const last = found.at(-1);
            if (found.length < limit || !last) return seen;
            after = fields.map((field) => (field === 'id' ? last.id : last.data[field as 'rank' | 'day']));
          }
          throw new Error('pagination did not end');
        };
        const expected = (key: (doc: (typeof orders)[number]) => string, direction: 'asc' | 'desc') => {
          const sorted = [...orders].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((doc) => doc.id);
          return direction === 'asc' ? sorted : sorted.reverse();
        };
        const byRank = (doc: (typeof orders)[number]) => `${doc.data.rank}|${doc.id}`;
        const byDay = (doc: (typeof orders)[number]) => `${doc.data.day}|${doc.id}`;

        expect(orders.length).toBe(16);
        expect(await pages(['rank', 'id'], 'asc', 3)).toEqual(expected(byRank, 'asc'));
        expect(await pages(['rank', 'id'], 'desc', 3)).toEqual(expected(byRank, 'desc'));
        expect(await pages(['day', 'id'], 'asc', 4)).toEqual(expected(byDay, 'asc'));
        expect(await pages(['day', 'id'], 'desc', 5)).toEqual(expected(byDay, 'desc'));
        expect(await pages(['id'], 'asc', 16)).toEqual(orders.map((doc) => doc.id).sort());
      });

      it('after starts strictly after the given sort values', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit(
          [put(c, 'a', { rank: 1 }, '1'), put(c, 'b', { rank: 1 }, '2'), put(c, 'c', { rank: 1 }, '3'), put(c, 'd', { rank: 2 }, '4')],
          null,
        );
        const after = async (values: Scalar[], direction: 'asc' | 'desc') =>
          ids(await readModels.find(c, { orderBy: { fields: ['rank', 'id'], direction }, after: values, limit: 10 }));

        expect(await after([1, 'b'], 'asc')).toEqual(['c', 'd']);
        expect(await after([1, 'b'], 'desc')).toEqual(['a']);
        expect(await after([1, 'bb'], 'asc')).toEqual(['c', 'd']);
        expect(await after([2, 'd'], 'asc')).toEqual([]);
        expect(await after([10, 'a'], 'desc')).toEqual(['d', 'c', 'b', 'a']);
      });

      it('rejects an order that does not end with the id', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit([put(c, 'a', { rank: 1 }, '1')], null);

        await expect(readModels.find(c, { orderBy: { fields: ['rank'], direction: 'asc' }, limit: 10 })).rejects.toThrow();
      });
    });

    describe('search', () => {
      const seed = async (docs: Record<string, SearchDoc>) => {
        const c = uniqueName('search');
        const { readModels } = await open([searchDefinition(c)]);
        await readModels.commit(
          Object.entries(docs).map(([id, data], i) => put(c, id, data, String(i + 1))),
          null,
        );
        const search = async (text: string, limit = 20) => (await readModels.search<SearchDoc>(c, text, limit)).map((doc) => doc.id);
        return { readModels, c, search };
      };

      it('finds documents containing every query word as a whole word, case-insensitively', async () => {
        const { search } = await seed({
          ada: searchDoc('Ada Lovelace', 'Brass Lamp', 'Oak Desk'),
          grace: searchDoc('Grace Hopper', 'Brass Kettle'),
          partial: searchDoc('Lampwick Brassington', 'Lamps and shades'),
          // One word whole, the other only inside a longer word: a MongoDB $text query of quoted terms alone lets this through.
          mixed: searchDoc('Hedy Lamarr', 'Brass Lampshade'),
          hyphen: searchDoc('Mary-Jane Watson'),
          unicode: searchDoc(null, 'ÜBER Kaffee 2000'),
        });

        expect(await search('brass lamp')).toEqual(['ada']);
        expect(await search('BRASS')).toEqual(['ada', 'grace', 'mixed']);
        expect(await search('lamp')).toEqual(['ada']);
        expect(await search('lam')).toEqual([]);
        expect(await search('brass zebra')).toEqual([]);
        expect(await search('ada desk')).toEqual(['ada']);
        expect(await search('jane')).toEqual(['hyphen']);
        expect(await search('  Lovelace, ADA! ')).toEqual(['ada']);
        expect(await search('über')).toEqual(['unicode']);
        expect(await search('kaffee 2000')).toEqual(['unicode']);
      });

      it('an empty query (or one without words) finds nothing', async () => {
        const { search } = await seed({ ada: searchDoc('Ada Lovelace', 'Brass Lamp') });

        expect(await search('ada')).toEqual(['ada']);
        expect(await search('')).toEqual([]);
        expect(await search('  ,;  ')).toEqual([]);
      });

      it('ranks by the weights of the fields the words occur in, then by id', async () => {
        const { search } = await seed({
          'r-product-b': searchDoc('Ada Lovelace', 'Brass Lamp'),
          'r-name': searchDoc('Lamp Lighter', 'Oak Desk'),
          'r-both': searchDoc('Lamp Post', 'Desk Lamp'),
          'r-product-a': searchDoc('Ada Byron', 'Brass Lamp'),
          'r-none': searchDoc('Grace Hopper', 'Oak Desk'),
        });

        expect(await search('lamp')).toEqual(['r-both', 'r-name', 'r-product-a', 'r-product-b']);
        expect(await search('lamp', 2)).toEqual(['r-both', 'r-name']);
      });

      it('matches words in any element of an array field', async () => {
        const { search } = await seed({
          many: searchDoc('Grace Hopper', 'Oak Desk', 'Brass Lamp', 'Green Kettle'),
          one: searchDoc('Ada Lovelace', 'Green Tea'),
        });

        expect(await search('kettle')).toEqual(['many']);
        expect(await search('desk kettle')).toEqual(['many']);
        expect(await search('green')).toEqual(['many', 'one']);
      });

      it('follows puts, deletes and update-where', async () => {
        const { readModels, c, search } = await seed({ d: searchDoc('Ada Lovelace', 'Brass Lamp') });

        await readModels.commit([put(c, 'd', searchDoc('Ada Lovelace', 'Oak Desk'), '10')], null);
        expect(await search('lamp')).toEqual([]);
        expect(await search('desk')).toEqual(['d']);

        await readModels.commit(
          [
            {
              kind: 'update-where',
              collection: c,
              where: { array: 'products', elementMatches: { productId: 'p0' } },
              set: { customerName: 'Countess Lovelace' },
              setInArray: { array: 'products', elementMatches: { productId: 'p0' }, set: { name: 'Walnut Bureau' } },
              position: '11',
            },
          ],
          null,
        );
        expect(await search('desk')).toEqual([]);
        expect(await search('walnut countess')).toEqual(['d']);

        await readModels.commit([del(c, 'd', '12')], null);
        expect(await search('walnut')).toEqual([]);
      });
    });

    describe('update-where', () => {
      it('sets top-level fields on matching documents older than the write and stamps its position', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        await readModels.commit(
          [
            put(c, 'older', { customerId: 'c1', customerName: 'Old', total: 5 }, '9', 4),
            put(c, 'same', { customerId: 'c1', customerName: 'Old', total: 6 }, '10'),
            put(c, 'newer', { customerId: 'c1', customerName: 'Old', total: 7 }, '11'),
            put(c, 'other', { customerId: 'c2', customerName: 'Other', total: 8 }, '5'),
          ],
          null,
        );

        await readModels.commit(
          [{ kind: 'update-where', collection: c, where: { field: 'customerId', equals: 'c1' }, set: { customerName: 'New' }, position: '10' }],
          null,
        );

        expect(await readModels.get(c, 'older')).toEqual({
          id: 'older',
          position: '10',
          revision: 4,
          data: { customerId: 'c1', customerName: 'New', total: 5 },
        });
        expect(await readModels.get(c, 'same')).toMatchObject({ position: '10', data: { customerName: 'Old' } });
        expect(await readModels.get(c, 'newer')).toMatchObject({ position: '11', data: { customerName: 'Old' } });
        expect(await readModels.get(c, 'other')).toMatchObject({ position: '5', data: { customerName: 'Other' } });
      });

      it('sets fields of every matching array element, and only of those', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        const product = (productId: string, name: string) => ({ productId, name, quantity: 1 });
        await readModels.commit(
          [
            put(c, 'twice', { products: [product('p1', 'Lamp'), product('p2', 'Desk'), product('p1', 'Lamp')] }, '3'),
            put(c, 'without', { products: [product('p2', 'Desk')] }, '3'),
            put(c, 'newer', { products: [product('p1', 'Lamp')] }, '20'),
            put(c, 'no-array', { name: 'Lamp' }, '3'),
          ],
          null,
        );
        const match = { productId: 'p1' };

        await readModels.commit(
          [
            {
              kind: 'update-where',
              collection: c,
              where: { array: 'products', elementMatches: match },
              setInArray: { array: 'products', elementMatches: match, set: { name: 'Brass Lamp' } },
              position: '10',
            },
          ],
          null,
        );

        expect(await readModels.get(c, 'twice')).toMatchObject({
          position: '10',
          data: { products: [product('p1', 'Brass Lamp'), product('p2', 'Desk'), product('p1', 'Brass Lamp')] },
        });
        expect(await readModels.get(c, 'without')).toMatchObject({ position: '3', data: { products: [product('p2', 'Desk')] } });
        expect(await readModels.get(c, 'newer')).toMatchObject({ position: '20', data: { products: [product('p1', 'Lamp')] } });
        expect(await readModels.get(c, 'no-array')).toMatchObject({ position: '3', data: { name: 'Lamp' } });
      });

      it('element matches need every given field; set and setInArray apply together', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');
        const item = (productId: string, color: string) => ({ productId, color, label: 'plain' });
        await readModels.commit(
          [
            put(c, 'red', { touched: false, items: [item('p1', 'red'), item('p1', 'blue')] }, '1'),
            put(c, 'blue', { touched: false, items: [item('p1', 'blue'), item('p2', 'red')] }, '1'),
          ],
          null,
        );
        const match = { productId: 'p1', color: 'red' };

        await readModels.commit(
          [
            {
              kind: 'update-where',
              collection: c,
              where: { array: 'items', elementMatches: match },
              set: { touched: true },
              setInArray: { array: 'items', elementMatches: match, set: { label: 'special' } },
              position: '2',
            },
          ],
          null,
        );

        expect(await dataOf(readModels, c, 'red')).toEqual({ touched: true, items: [{ ...item('p1', 'red'), label: 'special' }, item('p1', 'blue')] });
        expect(await readModels.get(c, 'blue')).toMatchObject({ position: '1', data: { touched: false, items: [item('p1', 'blue'), item('p2', 'red')] } });
      });

      it('on a collection without documents it does nothing', async () => {
        const { readModels } = await open();
        const c = uniqueName('c');

        await readModels.commit([{ kind: 'update-where', collection: c, where: { field: 'x', equals: 1 }, set: { y: 2 }, position: '5' }], null);

        expect(await readModels.count(c)).toBe(0);
      });
    });

    describe('commit and checkpoints', () => {
      it('a commit records its checkpoint for the checkpoint store', async () => {
        const { readModels, checkpoints } = await open();
        const c = uniqueName('c');
        const projection = uniqueName('p');
        expect(await checkpoints.load(projection)).toBeNull();

        await readModels.commit([put(c, 'a', { n: 1 }, '9')], { projection, position: '9' });
        expect(await checkpoints.load(projection)).toBe('9');
        expect(await dataOf(readModels, c, 'a')).toEqual({ n: 1 });

        await readModels.commit([put(c, 'b', { n: 2 }, '10/10')], { projection, position: '10/10' });
        expect(await checkpoints.load(projection)).toBe('10/10');
      });

      it('a commit without writes still records its checkpoint; one without a checkpoint keeps it', async () => {
        const { readModels, checkpoints } = await open();
        const c = uniqueName('c');
        const projection = uniqueName('p');

        await readModels.commit([], { projection, position: '42' });
        expect(await checkpoints.load(projection)).toBe('42');

        await readModels.commit([put(c, 'a', { n: 1 }, '43')], null);
        expect(await checkpoints.load(projection)).toBe('42');
        expect(await readModels.count(c)).toBe(1);
      });

      if (options.atomicCommit !== false) {
        it('a commit that fails changes nothing, checkpoint included', async () => {
          const { readModels, checkpoints } = await open();
          const c = uniqueName('c');
          const projection = uniqueName('p');
          await readModels.commit([put(c, 'kept', { v: 1 }, '1')], { projection, position: '1' });

          await expect(
            readModels.commit([put(c, 'kept', { v: 2 }, '2'), put(c, 'new', { v: 1 }, '2'), put(c, 'bad', { v: 1 }, 'not-a-position')], {
              projection,
              position: '2',
            }),
          ).rejects.toThrow();

          expect(await readModels.get(c, 'kept')).toMatchObject({ position: '1', data: { v: 1 } });
          expect(await readModels.get(c, 'new')).toBeNull();
          expect(await readModels.count(c)).toBe(1);
          expect(await checkpoints.load(projection)).toBe('1');
        });
      }
    });

    describe('rebuild collections', () => {
      it('resetCollections empties the named collections and no others', async () => {
        const { readModels } = await open();
        const [a, b] = [uniqueName('c'), uniqueName('c')];
        await readModels.commit([put(a, 'x', { n: 1 }, '1'), put(a, 'y', { n: 2 }, '2'), put(b, 'x', { n: 3 }, '3')], null);

        await readModels.resetCollections([a, uniqueName('never-written')]);

        expect(await readModels.count(a)).toBe(0);
        expect(await readModels.get(a, 'x')).toBeNull();
        expect(await dataOf(readModels, b, 'x')).toEqual({ n: 3 });
        await readModels.commit([put(a, 'x', { n: 4 }, '1')], null);
        expect(await dataOf(readModels, a, 'x')).toEqual({ n: 4 });
      });

      it('promoteCollections replaces each live collection with its copy and moves the checkpoint', async () => {
        const { readModels, checkpoints } = await open();
        const [live1, live2] = [uniqueName('c'), uniqueName('c')];
        const [copy1, copy2] = [rebuildCopyOf(live1), rebuildCopyOf(live2)];
        const projection = uniqueName('p');
        const copyProjection = `${projection}__rebuild`;
        await readModels.commit([put(live1, 'a', { v: 'old' }, '1'), put(live1, 'b', { v: 'old' }, '2'), put(live2, 'x', { v: 'old' }, '3')], {
          projection,
          position: '3',
        });
        await readModels.resetCollections([copy1, copy2]);
        await readModels.commit([put(copy1, 'b', { v: 'new' }, '2'), put(copy1, 'c', { v: 'new' }, '4')], { projection: copyProjection, position: '5' });

        await readModels.promoteCollections(
          [
            { from: copy1, to: live1 },
            { from: copy2, to: live2 },
          ],
          { from: copyProjection, to: projection },
        );

        const live1Docs = await readModels.find(live1, { orderBy: { fields: ['id'], direction: 'asc' }, limit: 10 });
        expect(live1Docs.map(({ id, data }) => ({ id, data }))).toEqual([
          { id: 'b', data: { v: 'new' } },
          { id: 'c', data: { v: 'new' } },
        ]);
        expect(await readModels.count(live2)).toBe(0);
        expect(await readModels.count(copy1)).toBe(0);
        expect(await readModels.get(copy1, 'b')).toBeNull();
        expect(await checkpoints.load(projection)).toBe('5');
        expect(await checkpoints.load(copyProjection)).toBeNull();
      });

      it('rebuild copies are searchable with their live collection text fields, before and after promotion', async () => {
        const live = uniqueName('search');
        const copy = rebuildCopyOf(live);
        const { readModels } = await open([searchDefinition(live)]);
        const projection = uniqueName('p');
        await readModels.commit([put(live, 'old', searchDoc('Ada Lovelace', 'Brass Lamp'), '1')], null);
        await readModels.resetCollections([copy]);
        await readModels.commit([put(copy, 'new', searchDoc('Grace Hopper', 'Brass Lamp'), '1')], { projection: `${projection}__rebuild`, position: '1' });

        expect((await readModels.search(copy, 'lamp', 10)).map((doc) => doc.id)).toEqual(['new']);
        await readModels.promoteCollections([{ from: copy, to: live }], { from: `${projection}__rebuild`, to: projection });

        expect((await readModels.search(live, 'brass lamp', 10)).map((doc) => doc.id)).toEqual(['new']);
        expect((await readModels.search(live, 'grace', 10)).map((doc) => doc.id)).toEqual(['new']);
        expect(await readModels.search(live, 'ada', 10)).toEqual([]);
      });
    });

    it('documents are copied in and out: mutating them changes nothing stored', async () => {
      const c = uniqueName('search');
      const { readModels } = await open([searchDefinition(c)]);
      const data = { customerName: 'Ada Lovelace', products: [{ productId: 'p1', name: 'Brass Lamp' }], totals: { amount: 5 } };
      await readModels.commit([put(c, 'd', data, '1')], null);
      const snapshot = JSON.parse(JSON.stringify(data)) as typeof data;
      data.products[0]!.name = 'changed';
      data.totals.amount = 99;

      type Doc = typeof data;
      const mutate = (doc: Doc | undefined) => {
        if (!doc) throw new Error('document not returned');
        doc.customerName = 'changed';
        doc.products[0]!.name = 'changed';
        doc.totals.amount = 99;
      };
      mutate((await readModels.get<Doc>(c, 'd'))?.data);
      mutate((await readModels.getMany<Doc>(c, ['d'])).get('d')?.data);
      mutate((await readModels.find<Doc>(c, { orderBy: { fields: ['id'], direction: 'asc' }, limit: 1 }))[0]?.data);
      mutate((await readModels.search<Doc>(c, 'lamp', 1))[0]?.data);

      expect(await dataOf(readModels, c, 'd')).toEqual(snapshot);
      expect((await readModels.search(c, 'brass lamp', 1)).map((doc) => doc.id)).toEqual(['d']);
    });
  });
};
