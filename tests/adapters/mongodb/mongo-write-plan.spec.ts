import fc from 'fast-check';
import { InvalidPosition, positionSortKey, type DocumentWrite } from '../../../src/application/ports';
import { deleteGuard, putGuard, putGuardPasses, storableObject, type ReadModelRecord } from '../../../src/adapters/mongodb/mongo-documents';
import { planWrites, reindexOp, type BulkStep, type UpdateWhereStep } from '../../../src/adapters/mongodb/mongo-write-plan';
import type { TextField } from '../../../src/adapters/memory/text-search';

const key = positionSortKey;
const searchFields: TextField[] = [
  { field: 'customerName', weight: 3 },
  { field: 'products.name', weight: 2 },
];
const textFieldsOf = (collection: string) => (collection.startsWith('search') ? searchFields : null);

const put = (collection: string, id: string, data: unknown, position: string, revision?: number): DocumentWrite =>
  revision === undefined ? { kind: 'put', collection, id, data, position } : { kind: 'put', collection, id, data, position, revision };

const bulk = (step: unknown): BulkStep => {
  expect(step).toMatchObject({ kind: 'bulk' });
  return step as BulkStep;
};
const updateWhere = (step: unknown): UpdateWhereStep => {
  expect(step).toMatchObject({ kind: 'update-where' });
  return step as UpdateWhereStep;
};

describe('MongoDB guards', () => {
  it('a put is guarded by position: older or position-less documents only, as an upsert', () => {
    expect(putGuard('o1', key('42'))).toEqual({ _id: 'o1', $or: [{ pos: { $lt: '00000000000000000042/00000000000000000042' } }, { pos: { $exists: false } }] });
  });

  it('a put with a revision is guarded by revision when the stored document has one, else by position', () => {
    expect(putGuard('o1', key('42'), 7)).toEqual({
      _id: 'o1',
      $or: [{ rev: { $lt: 7 } }, { rev: null, pos: { $lt: key('42') } }, { pos: { $exists: false } }],
    });
  });

  it('a delete is guarded by position', () => {
    expect(deleteGuard('o1', key('10/9'))).toEqual({ _id: 'o1', pos: { $lt: '00000000000000000010/00000000000000000009' } });
  });

  it('position keys sort like positions ("9" < "10", "5/5" < "10/10")', () => {
    expect(key('9') < key('10')).toBe(true);
    expect(key('5/5') < key('10/10')).toBe(true);
    expect(key('10/9') < key('10/10')).toBe(true);
  });

  // A small evaluator of the query operators the guards use, to check the filter and its TypeScript twin agree.
  const matches = (doc: Record<string, unknown> | null, filter: Record<string, unknown>): boolean =>
    doc !== null &&
    Object.entries(filter).every(([field, condition]) => {
      if (field === '$or') return (condition as Record<string, unknown>[]).some((clause) => matches(doc, clause));
      const value = doc[field];
      if (condition === null) return value === null || value === undefined;
      if (typeof condition !== 'object') return value === condition;
      const { $lt, $exists } = condition as { $lt?: string | number; $exists?: boolean };
      if ($exists !== undefined) return (value !== undefined) === $exists;
      return typeof value === typeof $lt && (value as string | number) < ($lt as string | number);
    });

  it('putGuardPasses (the pre-check inside transactions) agrees with the putGuard filter', () => {
    const position = fc.integer({ min: 0, max: 30 }).map(String);
    const stored = fc.option(fc.record({ pos: fc.option(position, { nil: undefined }), rev: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }) }), { nil: null });
    fc.assert(
      fc.property(stored, position, fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), (doc, writePosition, revision) => {
        const record = doc === null ? null : { _id: 'd', rev: doc.rev, ...(doc.pos === undefined ? {} : { pos: key(doc.pos) }) };
        const filterMatches = matches(record, putGuard('d', key(writePosition), revision));
        const applies = record === null || filterMatches; // absent: the upsert inserts
        expect(putGuardPasses(record as Pick<ReadModelRecord, 'pos' | 'rev'> | null, key(writePosition), revision)).toBe(applies);
      }),
    );
  });
});

describe('MongoDB write plan', () => {
  it('a runner batch (one put or delete per document, two collections) is one step: one unordered bulkWrite per collection', () => {
    const steps = planWrites(
      [
        put('order_list', 'o1', { status: 'paid' }, '12'),
        put('order_list_customers', 'c1', { name: 'Ada' }, '10'),
        put('order_list', 'o2', { status: 'draft' }, '11', 3),
        { kind: 'delete', collection: 'order_list', id: 'o3', position: '12' },
      ],
      textFieldsOf,
    );

    expect(steps).toHaveLength(1);
    const { byCollection } = bulk(steps[0]);
    expect([...byCollection.keys()]).toEqual(['order_list', 'order_list_customers']);
    expect(byCollection.get('order_list')?.map((op) => op.model)).toEqual([
      {
        replaceOne: {
          filter: putGuard('o1', key('12')),
          replacement: { pos: key('12'), position: '12', rev: null, data: { status: 'paid' } },
          upsert: true,
        },
      },
      {
        replaceOne: {
          filter: putGuard('o2', key('11'), 3),
          replacement: { pos: key('11'), position: '11', rev: 3, data: { status: 'draft' } },
          upsert: true,
        },
      },
      { deleteOne: { filter: deleteGuard('o3', key('12')) } },
    ]);
    expect(byCollection.get('order_list')?.map((op) => op.put)).toEqual([{ id: 'o1', key: key('12') }, { id: 'o2', key: key('11'), revision: 3 }, null]);
  });

  it('keeps the order of a commit: a second write to a document, or an update-where, starts a new step', () => {
    const steps = planWrites(
      [
        put('c', 'd', { v: 1 }, '1'),
        put('c', 'e', { v: 1 }, '1'),
        put('c', 'd', { v: 2 }, '2'),
        { kind: 'update-where', collection: 'c', where: { field: 'v', equals: 2 }, set: { name: 'new' }, position: '3' },
        put('c', 'gone', { v: 9 }, '1'),
        { kind: 'delete', collection: 'c', id: 'gone', position: '2' },
      ],
      textFieldsOf,
    );

    const shape = steps.map((step) => (step.kind === 'bulk' ? [...step.byCollection.values()].flat().map((op) => Object.keys(op.model)[0]) : step.kind));
    expect(shape).toEqual([['replaceOne', 'replaceOne'], ['replaceOne'], 'update-where', ['replaceOne'], ['deleteOne']]);
  });

  it('a put into a collection with text fields carries its words and the weight each word scores', () => {
    const [step] = planWrites([put('search_x', 'o1', { customerName: 'Lamp Post', products: [{ name: 'Desk Lamp' }, { name: 'Mary-Jane' }] }, '1')], textFieldsOf);

    const model = bulk(step).byCollection.get('search_x')?.[0]?.model as unknown as { replaceOne: { replacement: ReadModelRecord } };
    expect(model.replaceOne.replacement.words).toEqual(['lamp', 'post', 'desk', 'mary', 'jane']);
    expect(model.replaceOne.replacement.weights).toEqual({ lamp: 5, post: 3, desk: 2, mary: 2, jane: 2 });
  });

  it('a fan-out rename is one updateMany guarded by position, stamping it', () => {
    const [step] = planWrites(
      [{ kind: 'update-where', collection: 'order_list', where: { field: 'customerId', equals: 'c1' }, set: { customerName: 'Grace' }, position: '20' }],
      textFieldsOf,
    );

    expect(updateWhere(step)).toEqual({
      kind: 'update-where',
      collection: 'order_list',
      key: key('20'),
      updates: [
        {
          filter: { 'data.customerId': 'c1', pos: { $lt: key('20') } },
          update: { $set: { pos: key('20'), position: '20', 'data.customerName': 'Grace' } },
        },
      ],
      reindex: null,
    });
  });

  it('a product rename updates the matching array elements through arrayFilters, and reindexes a text collection', () => {
    const match = { productId: 'p1' };
    const [step] = planWrites(
      [
        {
          kind: 'update-where',
          collection: 'search_orders',
          where: { array: 'products', elementMatches: match },
          setInArray: { array: 'products', elementMatches: match, set: { name: 'Brass Lamp' } },
          position: '30',
        },
      ],
      textFieldsOf,
    );

    expect(updateWhere(step)).toEqual({
      kind: 'update-where',
      collection: 'search_orders',
      key: key('30'),
      updates: [
        {
          filter: { 'data.products': { $elemMatch: { productId: 'p1' } }, pos: { $lt: key('30') } },
          update: { $set: { pos: key('30'), position: '30', 'data.products.$[el].name': 'Brass Lamp' } },
          arrayFilters: [{ 'el.productId': 'p1' }],
        },
      ],
      reindex: searchFields,
    });
  });

  it('when `where` does not imply the array, documents without it get the top-level set alone ($[el] needs the array)', () => {
    const [step] = planWrites(
      [
        {
          kind: 'update-where',
          collection: 'c',
          where: { field: 'customerId', equals: 'c1' },
          set: { touched: true },
          setInArray: { array: 'items', elementMatches: { productId: 'p1', color: null }, set: { label: 'x' } },
          position: '5',
        },
      ],
      textFieldsOf,
    );

    const guarded = { 'data.customerId': 'c1', pos: { $lt: key('5') } };
    expect(updateWhere(step).updates).toEqual([
      {
        filter: { ...guarded, 'data.items': { $type: 'array' } },
        update: { $set: { pos: key('5'), position: '5', 'data.touched': true, 'data.items.$[el].label': 'x' } },
        arrayFilters: [{ 'el.productId': 'p1', 'el.color': null }],
      },
      { filter: { ...guarded, 'data.items': { $not: { $type: 'array' } } }, update: { $set: { pos: key('5'), position: '5', 'data.touched': true } } },
    ]);
    expect(updateWhere(step).reindex).toBeNull();
  });

  it('reindexes only when a text field changes', () => {
    const plan = (set: Record<string, string>) =>
      updateWhere(planWrites([{ kind: 'update-where', collection: 'search_x', where: { field: 'customerId', equals: 'c1' }, set, position: '2' }], textFieldsOf)[0]);

    expect(plan({ customerName: 'New' }).reindex).toEqual(searchFields);
    expect(plan({ status: 'paid' }).reindex).toBeNull();
  });

  it('the reindex of a touched document is guarded by the fan-out position', () => {
    expect(reindexOp({ _id: 'o1', data: { customerName: 'Ada', products: [] } }, key('7'), searchFields)).toEqual({
      updateOne: { filter: { _id: 'o1', pos: key('7') }, update: { $set: { words: ['ada'], weights: { ada: 3 } } } },
    });
  });

  describe('validation happens before anything is sent', () => {
    it('refuses BigInt anywhere in a document, naming where it is', () => {
      expect(() => planWrites([put('c', 'a', { n: 1 }, '1'), put('c', 'b', { total: { amount: 1n } }, '2')], textFieldsOf)).toThrow(
        /Document c\/b\.total\.amount is a BigInt/,
      );
      expect(() => storableObject({ list: [1, 2n] }, 'x')).toThrow(/x\.list\[1\] is a BigInt/);
    });

    it('refuses BigInt and objects in update-where values (no operator injection)', () => {
      const write = (set: Record<string, unknown>): DocumentWrite =>
        ({ kind: 'update-where', collection: 'c', where: { field: 'a', equals: 1 }, set, position: '2' }) as DocumentWrite;
      expect(() => planWrites([write({ n: 1n })], textFieldsOf)).toThrow(TypeError);
      expect(() => planWrites([write({ n: { $ne: 1 } })], textFieldsOf)).toThrow(TypeError);
    });

    it('refuses invalid positions, revisions, non-object documents and unusable names', () => {
      expect(() => planWrites([put('c', 'a', {}, 'not-a-position')], textFieldsOf)).toThrow(InvalidPosition);
      expect(() => planWrites([put('c', 'a', {}, '1', -1)], textFieldsOf)).toThrow(RangeError);
      expect(() => planWrites([put('c', 'a', [1], '1')], textFieldsOf)).toThrow(TypeError);
      expect(() => planWrites([put('bad$name', 'a', {}, '1')], textFieldsOf)).toThrow(RangeError);
      expect(() => planWrites([{ kind: 'update-where', collection: 'c', where: { field: 'a.b', equals: 1 }, position: '1' }], textFieldsOf)).toThrow(RangeError);
    });

    it('stores what JSON keeps: a private copy, Dates as strings, no undefined', () => {
      const data = { at: new Date('2024-01-01T00:00:00.000Z'), gone: undefined, nested: { n: 1 } };
      const [step] = planWrites([put('c', 'a', data, '1')], textFieldsOf);
      data.nested.n = 2;

      const model = bulk(step).byCollection.get('c')?.[0]?.model as unknown as { replaceOne: { replacement: ReadModelRecord } };
      expect(model.replaceOne.replacement.data).toEqual({ at: '2024-01-01T00:00:00.000Z', nested: { n: 1 } });
    });
  });
});
