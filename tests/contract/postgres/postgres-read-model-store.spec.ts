// The PostgreSQL read side beyond the shared contracts (read-side.spec.ts): the memory store as an oracle
// over random commits and queries, the tables and indexes it creates, rebuild swaps, what happens when
// another process changes tables behind its back, and string order.
import fc from 'fast-check';
import { Pool } from 'pg';
import { MemoryDocuments } from '../../../src/adapters/memory/memory-documents';
import { MemoryReadModelStore } from '../../../src/adapters/memory/memory-read-model-store';
import { createPostgresReadStore, tableName } from '../../../src/adapters/postgres';
import { rebuildCopyOf, type DocumentWrite, type FindQuery, type ReadModelDefinition, type ReadModelStore, type Scalar, type StoredDocument } from '../../../src/application/ports';
import { eventually, within } from '../../support/eventually';
import { connect, freshSchema, postgresOptions, withConnection } from '../../support/postgres';
import { uniqueName } from '../read-model-store.contract';

const schema = freshSchema('rm');

type ReadStore = Awaited<ReturnType<typeof createPostgresReadStore>>;

const indexesOf = (table: string) =>
  withConnection(async (client) =>
    (await client.query<{ indexname: string; indexdef: string }>('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname', [schema, table])).rows,
  );

describe('PostgreSQL read side, beyond the contracts', () => {
  const opened: ReadStore[] = [];
  const open = async (definitions?: readonly ReadModelDefinition[]): Promise<ReadStore> => {
    const store = await createPostgresReadStore(postgresOptions(schema, definitions ? { readModelDefinitions: definitions } : {}));
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it("creates a collection's table with its definition's indexes, and the queries use them", async () => {
    const c = uniqueName('orders');
    const { readModels } = await open([{ collection: c, indexes: [['customerId', 'createdAt']] }]);
    const writes: DocumentWrite[] = Array.from({ length: 3_000 }, (_, i) => ({
      kind: 'put',
      collection: c,
      id: `o${i}`,
      data: { customerId: `c${i % 300}`, createdAt: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`, total: i },
      position: String(i + 1),
    }));
    await readModels.commit(writes, null);
    const table = tableName(c);
    const [index] = (await indexesOf(table)).filter((row) => row.indexname.startsWith('rmi_'));
    expect(index?.indexdef).toContain("rm_txt((data -> 'customerId'::text)) COLLATE \"C\"");
    await withConnection((client) => client.query(`ANALYZE "${schema}"."${table}"`));
    // The statement the store sends, explained on a connection of our own.
    const sent = jest.spyOn(Pool.prototype, 'query');
    let found: StoredDocument<{ createdAt: string }>[];
    let statement: [string, unknown[]];
    try {
      found = await readModels.find<{ createdAt: string }>(c, { where: { customerId: 'c7' }, orderBy: { fields: ['createdAt', 'id'], direction: 'desc' }, limit: 5 });
      statement = sent.mock.calls.at(-1) as unknown as [string, unknown[]];
    } finally {
      sent.mockRestore();
    }

    const expected = writes
      .flatMap((write) => (write.kind === 'put' && (write.data as { customerId: string }).customerId === 'c7' ? [{ id: write.id, at: (write.data as { createdAt: string }).createdAt }] : []))
      .sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
      .slice(0, 5)
      .map((doc) => doc.id);
    expect(found.map((doc) => doc.id)).toEqual(expected);
    const plan = await withConnection(async (client) => JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${statement[0]}`, statement[1])).rows));
    expect(plan).toContain(`"Index Name":"${index?.indexname}"`);
    expect(plan).not.toContain('"Node Type":"Sort"');
  });

  it('a rebuild copy is loaded without secondary indexes, which it gets when promoted, again and again', async () => {
    const live = uniqueName('live');
    const copy = rebuildCopyOf(live);
    const { readModels } = await open([{ collection: live, indexes: [['status']], textFields: [{ field: 'name', weight: 1 }] }]);
    await readModels.commit([{ kind: 'put', collection: live, id: 'a', data: { status: 'old', name: 'Old Lamp' }, position: '1' }], null);
    const liveIndexes = await indexesOf(tableName(live));
    expect(liveIndexes).toHaveLength(3); // primary key, status, search words

    for (let round = 1; round <= 2; round++) {
      await readModels.resetCollections([copy]);
      await readModels.commit([{ kind: 'put', collection: copy, id: 'b', data: { status: `new${round}`, name: `Brass Lamp ${round}` }, position: '2' }], null);
      expect((await indexesOf(tableName(copy))).map((row) => row.indexname)).toHaveLength(1);
      expect((await readModels.search(copy, 'brass', 10)).map((doc) => doc.id)).toEqual(['b']);

      await readModels.promoteCollections([{ from: copy, to: live }], { from: `${live}__rebuild`, to: live });

      // Built on the copy before the swap, then renamed: the same names and definitions as the live table had.
      expect(await indexesOf(tableName(live))).toEqual(liveIndexes);
      expect(await indexesOf(tableName(copy))).toEqual([]);
      expect((await readModels.find(live, { where: { status: `new${round}` }, orderBy: { fields: ['id'], direction: 'asc' }, limit: 5 })).map((doc) => doc.id)).toEqual(['b']);
      expect((await readModels.search(live, 'brass', 10)).map((doc) => doc.id)).toEqual(['b']);
    }
  });

  it("builds the copy's indexes before it takes the live table: reads of the live collection go on meanwhile", async () => {
    const live = uniqueName('busy');
    const copy = rebuildCopyOf(live);
    const { readModels } = await open([{ collection: live, indexes: [['status']] }]);
    await readModels.commit([{ kind: 'put', collection: live, id: 'a', data: { status: 'old' }, position: '1' }], null);
    await readModels.resetCollections([copy]);
    await readModels.commit([{ kind: 'put', collection: copy, id: 'b', data: { status: 'new' }, position: '2' }], null);

    // A lock that CREATE INDEX on the copy must wait for (it wants SHARE; ROW EXCLUSIVE conflicts).
    const holder = await connect();
    let promoting: Promise<void> | undefined;
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${schema}"."${tableName(copy)}" IN ROW EXCLUSIVE MODE`);
      promoting = readModels.promoteCollections([{ from: copy, to: live }], { from: `${live}__rebuild`, to: live });
      // Polled from a connection of its own: inside the holder's transaction pg_stat_activity would not change.
      await eventually(async () => {
        const waiting = await withConnection((client) =>
          client.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX%' AND query LIKE $1", [`%${tableName(copy)}%`]),
        );
        expect(waiting.rows).toHaveLength(1);
      });
      // Had the live table been dropped first (in the transaction that waits), this read would wait too.
      expect((await within(readModels.get(live, 'a'), 2_000, 'a read of the live collection'))?.data).toEqual({ status: 'old' });
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await promoting;
    expect(await readModels.get(live, 'a')).toBeNull();
    expect((await readModels.get(live, 'b'))?.data).toEqual({ status: 'new' });
  });

  it('another process resetting or dropping a collection behind this store: reads see it, writes recreate it', async () => {
    const c = uniqueName('shared');
    const projection = uniqueName('p');
    const mine = await open();
    const theirs = await open();
    await mine.readModels.commit([{ kind: 'put', collection: c, id: 'a', data: { n: 1 }, position: '1' }], null);

    // Theirs promotes a copy that does not exist: the live table is dropped ("a missing copy counts as empty").
    await theirs.readModels.promoteCollections([{ from: rebuildCopyOf(c), to: c }], { from: `${projection}__rebuild`, to: projection });
    expect(await mine.readModels.count(c)).toBe(0);
    expect(await mine.readModels.get(c, 'a')).toBeNull();

    await mine.readModels.commit([{ kind: 'put', collection: c, id: 'b', data: { n: 2 }, position: '2' }], { projection, position: '2' });
    expect((await theirs.readModels.get(c, 'b'))?.data).toEqual({ n: 2 });
    expect(await theirs.checkpoints.load(projection)).toBe('2');
  });

  it('two processes creating the same new collection at once both succeed', async () => {
    const c = uniqueName('race');
    const stores = await Promise.all([open(), open(), open()]);

    await Promise.all(stores.map((store, i) => store.readModels.commit([{ kind: 'put', collection: c, id: `d${i}`, data: { i }, position: String(i + 1) }], null)));

    expect(await stores[0]?.readModels.count(c)).toBe(3);
  });

  it('sorts strings by code point (as the memory store), not by UTF-16 unit or locale', async () => {
    const { readModels } = await open();
    const c = uniqueName('c');
    const names = ['b', 'B', 'a', 'é', '\uFFFD', '😀', 'Z', 'z'];
    await readModels.commit(
      names.map((name, i) => ({ kind: 'put', collection: c, id: `d${i}`, data: { name }, position: String(i + 1) })),
      null,
    );

    const sorted = await readModels.find<{ name: string }>(c, { orderBy: { fields: ['name', 'id'], direction: 'asc' }, limit: 10 });

    expect(sorted.map((doc) => doc.data.name)).toEqual(['B', 'Z', 'a', 'b', 'z', 'é', '\uFFFD', '😀']);
  });

  describe('against the memory store as an oracle', () => {
    const words = ['lamp', 'brass', 'oak', 'desk', 'ada', 'Lovelace', 'Mary-Jane', 'ÜBER', '2000'];
    const scalar: fc.Arbitrary<Scalar> = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', 'B', 'é', ''), fc.boolean(), fc.constant(null));
    const phrase = fc.array(fc.constantFrom(...words), { minLength: 0, maxLength: 3 }).map((parts) => parts.join(' '));
    const element = fc.record({ productId: fc.constantFrom('p0', 'p1', 'p2'), name: phrase, quantity: fc.integer({ min: 1, max: 3 }) });
    const document = fc.record(
      { kind: fc.constantFrom('order', 'other'), rank: scalar, name: phrase, products: fc.array(element, { maxLength: 3 }), flag: fc.oneof(fc.boolean(), fc.constant(null)) },
      { requiredKeys: ['kind', 'name', 'products'] },
    );
    const id = fc.constantFrom('d0', 'd1', 'd2', 'd3', 'd4', 'd5');
    const position = fc.integer({ min: 1, max: 40 }).map(String);
    const write = (collection: string): fc.Arbitrary<DocumentWrite> =>
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ id, data: document, position, revision: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) }).map(({ revision, ...rest }) => ({ kind: 'put' as const, collection, ...rest, ...(revision === undefined ? {} : { revision }) })) },
        { weight: 1, arbitrary: fc.record({ id, position }).map((rest) => ({ kind: 'delete' as const, collection, ...rest })) },
        {
          weight: 2,
          arbitrary: fc
            .record({
              where: fc.oneof(
                fc.record({ field: fc.constantFrom('kind', 'rank', 'flag'), equals: scalar }),
                fc.record({ array: fc.constant('products'), elementMatches: fc.record({ productId: fc.constantFrom('p0', 'p1', 'p2') }) }),
              ),
              set: fc.option(fc.record({ name: phrase, rank: scalar }, { requiredKeys: [] }), { nil: undefined }),
              setInArray: fc.option(fc.record({ productId: fc.constantFrom('p0', 'p1'), name: phrase }), { nil: undefined }),
              position,
            })
            .map(({ where, set, setInArray, position: at }) => ({
              kind: 'update-where' as const,
              collection,
              where,
              position: at,
              ...(set === undefined ? {} : { set }),
              ...(setInArray === undefined
                ? {}
                : { setInArray: { array: 'products', elementMatches: { productId: setInArray.productId }, set: { name: setInArray.name } } }),
            })),
        },
      );
    const query = fc.record({
      where: fc.option(fc.record({ kind: fc.constantFrom('order', 'other') }), { nil: undefined }),
      field: fc.constantFrom('rank', 'name', 'flag', 'id'),
      direction: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
      limit: fc.integer({ min: 1, max: 4 }),
      range: fc.option(fc.record({ field: fc.constant('rank'), gte: fc.integer({ min: -3, max: 3 }) }), { nil: undefined }),
    });

    it('random commits, then get, find (every page), search and count agree', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constant(null).chain(() => {
          const collection = uniqueName('oracle');
          return fc.record({
            collection: fc.constant(collection),
            commits: fc.array(fc.array(write(collection), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
            queries: fc.array(query, { minLength: 1, maxLength: 4 }),
            searches: fc.array(phrase, { minLength: 1, maxLength: 3 }),
          });
        }), async ({ collection, commits, queries, searches }) => {
          const definitions: ReadModelDefinition[] = [{ collection, indexes: [['kind', 'rank']], textFields: [{ field: 'name', weight: 3 }, { field: 'products.name', weight: 1 }] }];
          const store = await open(definitions);
          const subject = store.readModels;
          const oracle: ReadModelStore = new MemoryReadModelStore(new MemoryDocuments(), definitions);
          for (const writes of commits) {
            await subject.commit(writes, null);
            await oracle.commit(writes, null);
          }
          expect(await subject.count(collection)).toBe(await oracle.count(collection));
          for (const candidate of ['d0', 'd1', 'd2', 'd3', 'd4', 'd5']) expect(await subject.get(collection, candidate)).toEqual(await oracle.get(collection, candidate));
          for (const { where, field, direction, limit, range } of queries) {
            const fields = field === 'id' ? ['id'] : [field, 'id'];
            const pages = async (store: ReadModelStore) => {
              const seen: string[] = [];
              let after: Scalar[] | undefined;
              for (let page = 0; page < 10; page++) {
                const request: FindQuery = { orderBy: { fields, direction }, limit, ...(where ? { where } : {}), ...(range ? { range } : {}), ...(after ? { after } : {}) };
                const found = await store.find<Record<string, Scalar>>(collection, request);
                seen.push(...found.map((doc) => doc.id));
                const last = found.at(-1);
                if (found.length < limit || !last) break;
                after = fields.map((f) => (f === 'id' ? last.id : (last.data[f] ?? null)));
              }
              return seen;
            };
            expect(await pages(subject)).toEqual(await pages(oracle));
          }
          for (const text of searches) {
            expect((await subject.search(collection, text, 10)).map((doc) => doc.id)).toEqual((await oracle.search(collection, text, 10)).map((doc) => doc.id));
          }
          await store.close();
          opened.splice(opened.indexOf(store), 1);
        }),
        { numRuns: 40 },
      );
    }, 60_000);
  });
});
