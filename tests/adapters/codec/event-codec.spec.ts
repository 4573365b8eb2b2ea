import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  OriginUnavailable,
  CodecError,
  EventCodec,
  EventSchemaRegistry,
  findSchemasDir,
  toMinorUnits,
  upcasters as serviceUpcasters,
  type JsonSchema,
  type StoredEvent,
  type StreamOriginReader,
  type Upcaster,
} from '../../../src/adapters/codec';
import type { EventMetadata, NewEvent, RecordedEvent } from '../../../src/application/ports';
import { currencyCodes, InvalidValue, minorUnitsOf, type ServiceEvent } from '../../../src/domain';
import { originReaderFor, storedEventFixture, storedEventFixtures } from '../../fixtures/events/stored-events.fixture';

const ORDER_ID = '6f1c2a7e-3b8d-4f0a-9c1e-2d4b5a6c7e8f';
const CUSTOMER_ID = '0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b';
const PRODUCT_ID = 'a3c5e7f9-1b2d-4f6a-8c0e-2a4c6e8f0b1d';
const EVENT_ID = '5d2f9a41-7c3e-4b8a-9e1f-6a0b2c4d8e71';
const ORDER_STREAM = `order-${ORDER_ID}`;

const metadata: EventMetadata = {
  correlationId: 'req-7d1e4c',
  causationId: 'cmd-add-item-42',
  actor: `customer:${CUSTOMER_ID}`,
  occurredAt: '2024-05-01T10:15:00.000Z',
};

const itemAddedV2 = {
  orderId: ORDER_ID,
  productId: PRODUCT_ID,
  productName: 'Espresso beans 1 kg',
  quantity: 2,
  unitPrice: { amount: 1999, currency: 'EUR' },
};
const itemAddedV1 = { orderId: ORDER_ID, productId: PRODUCT_ID, productName: 'Espresso beans 1 kg', quantity: 2, price: 19.99 };

const newEvent = (event: ServiceEvent, overrides: Partial<{ eventId: string; metadata: EventMetadata }> = {}): NewEvent =>
  ({ ...event, eventId: EVENT_ID, metadata, ...overrides }) as NewEvent;

const stored = (overrides: Partial<StoredEvent> & { schemaVersion?: number } = {}): StoredEvent => {
  const { schemaVersion = 2, ...rest } = overrides;
  return {
    eventId: EVENT_ID,
    type: 'OrderItemAdded',
    streamId: ORDER_STREAM,
    revision: 3,
    position: '1042',
    data: itemAddedV2,
    metadata: { ...metadata, schemaVersion },
    ...rest,
  };
};

const orderCreated = (currency: string, overrides: Partial<StoredEvent> = {}): StoredEvent =>
  stored({
    eventId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    type: 'OrderCreated',
    revision: 0,
    position: '1000',
    data: { orderId: ORDER_ID, customerId: CUSTOMER_ID, currency },
    schemaVersion: 1,
    ...overrides,
  });

const itemV1 = (price: number, overrides: Partial<StoredEvent> = {}): StoredEvent =>
  stored({ data: { ...itemAddedV1, price }, schemaVersion: 1, ...overrides });

const originIs =
  (origin: StoredEvent | undefined): StreamOriginReader =>
  () =>
    Promise.resolve(origin);

const noOriginRead = jest.fn((_streamId: string): Promise<StoredEvent | undefined> => Promise.reject(new Error('the origin must not be read')));

const codecErrorOf = async (work: Promise<unknown> | (() => unknown)): Promise<CodecError> => {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    if (error instanceof CodecError) return error;
    throw error;
  }
  throw new Error('expected a CodecError, but nothing was thrown');
};

// Settles or fails the test in time: a decode that never settles would otherwise only show up as a jest timeout.
const within = async <T>(ms: number, work: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

const codec = new EventCodec();

beforeEach(() => noOriginRead.mockClear());

describe('EventCodec.encode', () => {
  it('accepts data valid under the latest schema and stamps that version in the metadata', () => {
    const encoded = codec.encode(newEvent({ type: 'OrderItemAdded', data: itemAddedV2 }));

    expect(encoded).toEqual({ eventId: EVENT_ID, type: 'OrderItemAdded', data: itemAddedV2, metadata: { ...metadata, schemaVersion: 2 } });
  });

  it('stamps the latest version of each type, whatever the caller put in the metadata', () => {
    const staleMetadata = { ...metadata, schemaVersion: 1, debug: 'not stored' } as EventMetadata;

    const renamed = codec.encode(newEvent({ type: 'CustomerRenamed', data: { customerId: CUSTOMER_ID, name: 'Ada King' } }));
    const registered = codec.encode(
      newEvent({ type: 'CustomerRegistered', data: { customerId: CUSTOMER_ID, name: 'Ada', email: 'ada@example.com' } }, { metadata: staleMetadata }),
    );

    expect(renamed.metadata.schemaVersion).toBe(1);
    expect(registered.metadata).toEqual({ ...metadata, schemaVersion: 2 });
  });

  it('rejects data that is not valid under the latest schema, naming the event, type, version and every violation', async () => {
    const v1Shaped = { type: 'OrderItemAdded', data: itemAddedV1 } as unknown as ServiceEvent;

    const error = await codecErrorOf(() => codec.encode(newEvent(v1Shaped)));

    expect(error).toMatchObject({ problem: 'invalid-data', eventId: EVENT_ID, eventType: 'OrderItemAdded', schemaVersion: 2 });
    expect(error.violations).toEqual(
      expect.arrayContaining([
        { path: '', message: "must have required property 'unitPrice'" },
        { path: '', message: 'must NOT have additional property "price"' },
      ]),
    );
    expect(error.message).toContain(EVENT_ID);
    expect(error.message).toContain('OrderItemAdded v2');
    expect(error.message).toContain("must have required property 'unitPrice'");
  });

  it('reports nested violations by JSON pointer', async () => {
    const data = { ...itemAddedV2, quantity: 0, unitPrice: { amount: 19.99, currency: 'eur' } };

    const error = await codecErrorOf(() => codec.encode(newEvent({ type: 'OrderItemAdded', data })));

    expect(error.problem).toBe('invalid-data');
    expect(error.violations.map((v) => v.path).sort()).toEqual(['/quantity', '/unitPrice/amount', '/unitPrice/currency']);
  });

  it('rejects an event type without a schema', async () => {
    const unknown = { type: 'OrderArchived', data: { orderId: ORDER_ID } } as unknown as ServiceEvent;

    const error = await codecErrorOf(() => codec.encode(newEvent(unknown)));

    expect(error).toMatchObject({ problem: 'unknown-type', eventId: EVENT_ID, eventType: 'OrderArchived', schemaVersion: null });
  });

  it.each([['evt-42'], [''], [EVENT_ID.toUpperCase()], [`urn:uuid:${EVENT_ID}`]])('rejects the event id %j: ids are lower-case UUIDs', async (eventId) => {
    const error = await codecErrorOf(() => codec.encode(newEvent({ type: 'OrderItemAdded', data: itemAddedV2 }, { eventId })));

    expect(error).toMatchObject({ problem: 'invalid-metadata', eventId, schemaVersion: 2, violations: [{ path: '/eventId', message: 'must be a lower-case UUID' }] });
  });

  it.each<[string, Partial<Record<keyof EventMetadata, unknown>>, string]>([
    ['an occurredAt that is not a date-time', { occurredAt: 'yesterday' }, '/occurredAt'],
    ['an empty actor', { actor: '' }, '/actor'],
    ['a numeric correlation id', { correlationId: 42 }, '/correlationId'],
    ['no causation id', { causationId: undefined }, ''],
  ])('rejects metadata with %s', async (_case, change, path) => {
    const bad = { ...metadata, ...change } as EventMetadata;

    const error = await codecErrorOf(() => codec.encode(newEvent({ type: 'OrderItemAdded', data: itemAddedV2 }, { metadata: bad })));

    expect(error).toMatchObject({ problem: 'invalid-metadata', eventId: EVENT_ID, eventType: 'OrderItemAdded', schemaVersion: 2 });
    expect(error.violations.map((v) => v.path)).toEqual([path]);
  });
});

describe('EventCodec.decode', () => {
  it('passes an event stored in the latest version through unchanged, without reading the stream origin', async () => {
    const event = stored();

    const decoded = await codec.decode(event, noOriginRead);

    expect(decoded).toEqual({
      type: 'OrderItemAdded',
      data: itemAddedV2,
      eventId: EVENT_ID,
      streamId: ORDER_STREAM,
      revision: 3,
      position: '1042',
      metadata,
      storedSchemaVersion: 2,
    });
    expect(noOriginRead).not.toHaveBeenCalled();
  });

  it('returns only the known metadata fields, without the schema version', async () => {
    const decoded = await codec.decode(stored({ metadata: { ...metadata, schemaVersion: 2, $legacyTraceId: 'abc' } }), noOriginRead);

    expect(decoded.metadata).toStrictEqual(metadata);
  });

  describe.each(storedEventFixtures().map((fixture) => [fixture.file, fixture] as const))('stored fixture %s', (_file, fixture) => {
    it('is a non-trivial log: every event has an expectation and older versions are present', () => {
      expect(fixture.expected.map((e) => e.eventId)).toEqual(fixture.stored.map((e) => e.eventId));
      const [type, version] = /^(\w+)\.v(\d+)\.json$/.exec(fixture.file)?.slice(1) ?? [];
      const ofFileVersion = fixture.stored.filter((e) => e.type === type && (e.metadata as { schemaVersion: number }).schemaVersion === Number(version));
      expect(ofFileVersion.length).toBeGreaterThanOrEqual(4);
    });

    it('upcasts every stored event to exactly the expected latest-version data', async () => {
      const decoder = new EventCodec(codec.registry);
      const readOrigin = originReaderFor(fixture.stored);

      const decoded: RecordedEvent[] = [];
      for (const event of fixture.stored) decoded.push(await decoder.decode(event, readOrigin));

      expect(decoded.map(({ eventId, type, storedSchemaVersion, data }) => ({ eventId, type, storedSchemaVersion, data }))).toStrictEqual(fixture.expected);
      expect(decoded.map((e) => [e.streamId, e.revision, e.position])).toEqual(fixture.stored.map((e) => [e.streamId, e.revision, e.position]));
    });

    it('expects data that is valid under the latest schema of its type', () => {
      for (const { type, data } of fixture.expected) {
        const validate = codec.registry.validator(type, codec.registry.latestVersion(type) ?? 0);
        expect({ type, valid: validate?.(data), errors: validate?.errors ?? null }).toEqual({ type, valid: true, errors: null });
      }
    });
  });

  it('prices v1 items in the currency of their own order', async () => {
    const fixture = storedEventFixture('OrderItemAdded.v1.json');
    const readOrigin = originReaderFor(fixture.stored);
    const decoder = new EventCodec(codec.registry);

    const currencies = new Map<string, Set<unknown>>();
    for (const event of fixture.stored.filter((e) => e.type === 'OrderItemAdded')) {
      const { data, streamId } = await decoder.decode(event, readOrigin);
      currencies.set(streamId, (currencies.get(streamId) ?? new Set()).add((data as { unitPrice: { currency: string } }).unitPrice.currency));
    }

    expect([...currencies.values()].map((set) => [...set])).toEqual([['EUR'], ['JPY'], ['KWD']]);
  });

  it.each([
    ['OrderItemAdded', 3],
    ['CustomerRenamed', 2],
    ['OrderCreated', 7],
  ])('rejects %s stored with unknown version %i', async (type, schemaVersion) => {
    const error = await codecErrorOf(codec.decode(stored({ type, schemaVersion }), noOriginRead));

    expect(error).toMatchObject({ problem: 'unknown-version', eventId: EVENT_ID, eventType: type, schemaVersion });
  });

  it('validates stored data against the version it was stored with, and names the violations', async () => {
    const error = await codecErrorOf(codec.decode(stored({ data: { ...itemAddedV1, price: -1, quantity: 0, note: 'gift' }, schemaVersion: 1 }), noOriginRead));

    expect(error).toMatchObject({ problem: 'invalid-data', eventId: EVENT_ID, eventType: 'OrderItemAdded', schemaVersion: 1 });
    expect(error.violations).toEqual(
      expect.arrayContaining([
        { path: '/price', message: 'must be >= 0' },
        { path: '/quantity', message: 'must be >= 1' },
        { path: '', message: 'must NOT have additional property "note"' },
      ]),
    );
    expect(noOriginRead).not.toHaveBeenCalled();
  });

  it('rejects data of the latest shape labelled with an older version', async () => {
    const error = await codecErrorOf(codec.decode(stored({ data: itemAddedV2, schemaVersion: 1 }), noOriginRead));

    expect(error).toMatchObject({ problem: 'invalid-data', schemaVersion: 1 });
    expect(error.violations).toContainEqual({ path: '', message: "must have required property 'price'" });
  });

  it('rejects stored data that is not an object', async () => {
    const error = await codecErrorOf(codec.decode(stored({ data: '{"orderId":"…"}' }), noOriginRead));

    expect(error).toMatchObject({ problem: 'invalid-data', violations: [{ path: '', message: 'must be object' }] });
  });

  it('rejects an event type without a schema, with the version it was stored with', async () => {
    const error = await codecErrorOf(codec.decode(stored({ type: 'OrderArchived', schemaVersion: 1 }), noOriginRead));

    expect(error).toMatchObject({ problem: 'unknown-type', eventType: 'OrderArchived', schemaVersion: 1 });
  });

  it.each<[string, unknown, string]>([
    ['missing', undefined, ''],
    ['null', null, ''],
    ['an array', [], ''],
    ['a JSON string', JSON.stringify({ ...metadata, schemaVersion: 2 }), ''],
    ['without schemaVersion', metadata, ''],
    ['with schemaVersion 0', { ...metadata, schemaVersion: 0 }, '/schemaVersion'],
    ['with schemaVersion "2"', { ...metadata, schemaVersion: '2' }, '/schemaVersion'],
    ['with schemaVersion 1.5', { ...metadata, schemaVersion: 1.5 }, '/schemaVersion'],
    ['with an invalid occurredAt', { ...metadata, occurredAt: '01/05/2024 10:15', schemaVersion: 2 }, '/occurredAt'],
  ])('rejects metadata that is %s', async (_case, badMetadata, path) => {
    const error = await codecErrorOf(codec.decode(stored({ metadata: badMetadata }), noOriginRead));

    expect(error).toMatchObject({ problem: 'invalid-metadata', eventId: EVENT_ID, eventType: 'OrderItemAdded' });
    expect(error.violations.length).toBeGreaterThan(0);
    expect(error.violations.every((v) => v.path === path)).toBe(true);
  });

  it('reports the violations of this metadata, not those of the previous event', async () => {
    await codecErrorOf(codec.decode(stored({ metadata: { ...metadata, occurredAt: 'soon', schemaVersion: 2 } }), noOriginRead));

    const error = await codecErrorOf(codec.decode(stored({ metadata: null }), noOriginRead));

    expect(error.violations).toEqual([{ path: '', message: 'must be object' }]);
  });

  describe('OrderItemAdded v1, whose currency comes from the OrderCreated that starts its stream', () => {
    it('prices the item in the order currency', async () => {
      const decoded = await codec.decode(itemV1(1234.5, { streamId: 'order-jpy' }), originIs(orderCreated('JPY', { streamId: 'order-jpy' })));

      expect(decoded.data).toEqual({ ...itemAddedV2, unitPrice: { amount: 1235, currency: 'JPY' } });
      expect(decoded.storedSchemaVersion).toBe(1);
    });

    it.each<[string, StreamOriginReader, string]>([
      ['a stream that starts with another event type', originIs(stored({ eventId: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9', revision: 0 })), 'does not start with an OrderCreated event'],
      ['a stream without a first event', originIs(undefined), 'has no first event'],
      ['an origin that is not valid', originIs(orderCreated('EURO')), 'cannot be decoded'],
      ['an origin in a currency that does not exist', originIs(orderCreated('XYZ')), '"XYZ" is not an active ISO 4217 currency code'],
    ])('fails to upcast, naming the item event, for %s', async (streamCase, readOrigin, reason) => {
      const error = await codecErrorOf(codec.decode(itemV1(19.99, { streamId: `order-${streamCase}` }), readOrigin));

      expect(error).toMatchObject({ problem: 'upcast-failed', eventId: EVENT_ID, eventType: 'OrderItemAdded', schemaVersion: 1 });
      expect(error.violations[0]?.message).toContain(reason);
    });

    it('fails to upcast an item that is itself the first event of its stream', async () => {
      const first = itemV1(19.99, { revision: 0, streamId: 'order-headless' });

      const error = await codecErrorOf(codec.decode(first, originIs(first)));

      expect(error).toMatchObject({ problem: 'upcast-failed', eventId: EVENT_ID });
      expect(error.violations[0]?.message).toContain('is the first of its stream');
    });

    it('fails (and does not hang) when the first event of the stream is itself a v1 item', async () => {
      const first = itemV1(5, { eventId: '2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a', revision: 0, streamId: 'order-items-first' });
      const later = itemV1(19.99, { streamId: 'order-items-first' });

      const error = await within(2000, codecErrorOf(codec.decode(later, originIs(first))));

      expect(error).toMatchObject({ problem: 'upcast-failed', eventId: EVENT_ID });
      expect(error.violations[0]?.message).toContain('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a is the first of its stream');
    });

    it('reports a price too large for the currency as invalid v2 data rather than storing a wrong amount', async () => {
      // v1 allowed 10,000,000 in major units; at 3 decimals that is 10^10 minor units, above the v2 maximum of 10^9.
      const error = await codecErrorOf(codec.decode(itemV1(1_000_000.001, { streamId: 'order-kwd' }), originIs(orderCreated('KWD', { streamId: 'order-kwd' }))));

      expect(error).toMatchObject({ problem: 'invalid-data', eventId: EVENT_ID, schemaVersion: 2 });
      expect(error.violations).toEqual([{ path: '/unitPrice/amount', message: 'must be <= 1000000000' }]);
    });
  });
});

describe('CustomerRegistered v1 → v2', () => {
  const registeredV1 = (fullName: string, email: string): StoredEvent =>
    stored({ type: 'CustomerRegistered', streamId: `customer-${CUSTOMER_ID}`, revision: 0, data: { customerId: CUSTOMER_ID, fullName, email }, schemaVersion: 1 });

  it('renames fullName to a trimmed name and normalizes the email', async () => {
    const decoded = await codec.decode(registeredV1('\u00a0Ada Lovelace\t', 'Ada.Lovelace@Example.COM'), noOriginRead);

    expect(decoded.data).toStrictEqual({ customerId: CUSTOMER_ID, name: 'Ada Lovelace', email: 'ada.lovelace@example.com' });
    expect(noOriginRead).not.toHaveBeenCalled();
  });

  it('keeps a blank v1 name as stored, since trimming would make it invalid', async () => {
    const decoded = await codec.decode(registeredV1('   ', 'ada@example.com'), noOriginRead);

    expect(decoded.data).toMatchObject({ name: '   ' });
  });
});

describe('upcasting through several versions (a synthetic Widget type)', () => {
  const schema = (version: number, properties: Record<string, unknown>): JsonSchema => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://schemas.order-service.example/events/Widget.v${version}.json`,
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  });
  const id = { type: 'string', format: 'uuid' };
  const widgetSchemas = new Map([
    [1, schema(1, { id, name: { type: 'string', minLength: 1 } })],
    [2, schema(2, { id, title: { type: 'string', minLength: 1 } })],
    [3, schema(3, { id, title: { type: 'string', minLength: 1 }, size: { type: 'integer', minimum: 1 } })],
  ]);
  const metadataSchema = JSON.parse(readFileSync(join(findSchemasDir(), 'metadata', 'EventMetadata.v1.json'), 'utf8')) as JsonSchema;
  const registry = new EventSchemaRegistry({ events: new Map([['Widget', widgetSchemas]]), metadata: metadataSchema });

  const calls: Array<[string, Record<string, unknown>]> = [];
  const oneToTwo: Upcaster = (data) => {
    calls.push(['1→2', data]);
    const { name, ...rest } = data;
    return { ...rest, title: name };
  };
  const twoToThree: Upcaster = async (data) => {
    calls.push(['2→3', data]);
    await Promise.resolve();
    return { ...data, size: String(data['title']).length };
  };
  const widget = (schemaVersion: number, data: Record<string, unknown>): StoredEvent =>
    stored({ type: 'Widget', streamId: 'widget-1', data: { id: PRODUCT_ID, ...data }, schemaVersion });

  beforeEach(() => calls.splice(0));

  it('applies the upcasters one version at a time, in order', async () => {
    const widgets = new EventCodec(registry, { Widget: { 1: oneToTwo, 2: twoToThree } });

    const decoded = await widgets.decode(widget(1, { name: 'Gizmo' }), noOriginRead);

    expect(decoded.data).toStrictEqual({ id: PRODUCT_ID, title: 'Gizmo', size: 5 });
    expect(decoded.storedSchemaVersion).toBe(1);
    expect(calls).toEqual([
      ['1→2', { id: PRODUCT_ID, name: 'Gizmo' }],
      ['2→3', { id: PRODUCT_ID, title: 'Gizmo' }],
    ]);
  });

  it('starts the chain at the stored version', async () => {
    const widgets = new EventCodec(registry, { Widget: { 1: oneToTwo, 2: twoToThree } });

    const fromV2 = await widgets.decode(widget(2, { title: 'Gadget' }), noOriginRead);
    const fromV3 = await widgets.decode(widget(3, { title: 'Doohickey', size: 1 }), noOriginRead);

    expect(calls.map(([step]) => step)).toEqual(['2→3']);
    expect([fromV2.data, fromV2.storedSchemaVersion]).toEqual([{ id: PRODUCT_ID, title: 'Gadget', size: 6 }, 2]);
    expect([fromV3.data, fromV3.storedSchemaVersion]).toEqual([{ id: PRODUCT_ID, title: 'Doohickey', size: 1 }, 3]);
  });

  it('validates every intermediate version and stops at the first invalid one', async () => {
    const widgets = new EventCodec(registry, { Widget: { 1: (data) => ({ ...data, title: '' }), 2: twoToThree } });

    const error = await codecErrorOf(widgets.decode(widget(1, { name: 'Gizmo' }), noOriginRead));

    expect(error).toMatchObject({ problem: 'invalid-data', eventType: 'Widget', schemaVersion: 2 });
    expect(error.violations.map((v) => v.path).sort()).toEqual(['', '/title']);
    expect(calls).toEqual([]);
  });

  it('reports an upcaster that throws as upcast-failed at its step', async () => {
    const widgets = new EventCodec(registry, {
      Widget: {
        1: oneToTwo,
        2: () => {
          throw new Error('size unknown');
        },
      },
    });

    const error = await codecErrorOf(widgets.decode(widget(1, { name: 'Gizmo' }), noOriginRead));

    expect(error).toMatchObject({ problem: 'upcast-failed', schemaVersion: 2, violations: [{ path: '', message: 'size unknown' }] });
  });

  describe('with the 2 → 3 step missing', () => {
    const incomplete = new EventCodec(registry, { Widget: { 1: oneToTwo } });

    it.each([[1], [2]])('fails to decode a v%i widget at the missing step', async (version) => {
      const data = version === 1 ? { name: 'Gizmo' } : { title: 'Gizmo' };

      const error = await codecErrorOf(incomplete.decode(widget(version, data), noOriginRead));

      expect(error).toMatchObject({ problem: 'upcast-failed', eventType: 'Widget', schemaVersion: 2, violations: [{ path: '', message: 'no upcaster from v2 to v3' }] });
    });

    it('still decodes the latest version', async () => {
      const decoded = await incomplete.decode(widget(3, { title: 'Gizmo', size: 5 }), noOriginRead);

      expect(decoded.data).toEqual({ id: PRODUCT_ID, title: 'Gizmo', size: 5 });
    });

    it('lists every version without a path to the latest', () => {
      expect(incomplete.missingUpcasterPaths()).toEqual(['Widget v1', 'Widget v2']);
      expect(new EventCodec(registry, { Widget: { 2: twoToThree } }).missingUpcasterPaths()).toEqual(['Widget v1']);
      expect(new EventCodec(registry, { Widget: { 1: oneToTwo, 2: twoToThree } }).missingUpcasterPaths()).toEqual([]);
    });
  });
});

describe('EventCodec.decodeOrReport', () => {
  it('returns a decodable event as an event', async () => {
    const outcome = await codec.decodeOrReport(stored(), noOriginRead);

    expect(outcome).toEqual({ kind: 'event', event: expect.objectContaining({ eventId: EVENT_ID, data: itemAddedV2, storedSchemaVersion: 2 }) });
  });

  it('reports an event the codec cannot decode, with where it sits and why', async () => {
    const outcome = await codec.decodeOrReport(stored({ type: 'OrderArchived', revision: 7, position: '2048' }), noOriginRead);

    expect(outcome).toEqual({
      kind: 'undecodable',
      event: { eventId: EVENT_ID, streamId: ORDER_STREAM, revision: 7, position: '2048', type: 'OrderArchived', error: expect.any(CodecError) },
    });
    expect(outcome.kind === 'undecodable' && (outcome.event.error as CodecError).problem).toBe('unknown-type');
  });

  it('rethrows errors that are not about the event', async () => {
    class UnavailableRegistry extends EventSchemaRegistry {
      override latestVersion(): number {
        throw new Error('schema store unavailable');
      }
    }
    const broken = new EventCodec(new UnavailableRegistry({ events: new Map(), metadata: {} }));

    await expect(broken.decodeOrReport(stored(), noOriginRead)).rejects.toThrow('schema store unavailable');
  });
});

describe('the stream-origin cache', () => {
  const fixture = storedEventFixture('OrderItemAdded.v1.json');
  const v1Items = fixture.stored.filter((e) => e.type === 'OrderItemAdded' && (e.metadata as { schemaVersion: number }).schemaVersion === 1);
  const streams = [...new Set(v1Items.map((e) => e.streamId))];

  it('reads the origin of a stream once for many of its events', async () => {
    const readOrigin = jest.fn(originReaderFor(fixture.stored));
    const decoder = new EventCodec(codec.registry);
    const [stream] = streams;
    const ofStream = v1Items.filter((e) => e.streamId === stream);

    for (const event of ofStream) await decoder.decode(event, readOrigin);

    expect(ofStream.length).toBeGreaterThan(3);
    expect(readOrigin.mock.calls).toEqual([[stream]]);
  });

  it('reads each origin once when the events of several streams are decoded concurrently', async () => {
    const readOrigin = jest.fn(originReaderFor(fixture.stored));
    const decoder = new EventCodec(codec.registry);

    await Promise.all(v1Items.map((event) => decoder.decode(event, readOrigin)));

    expect(streams.length).toBe(3);
    expect(readOrigin.mock.calls.map(([streamId]) => streamId).sort()).toEqual([...streams].sort());
  });

  it('does not cache a failed origin load', async () => {
    const readFromLog = originReaderFor(fixture.stored);
    const readOrigin = jest.fn(readFromLog).mockRejectedValueOnce(new Error('connection reset')).mockResolvedValueOnce(undefined);
    const decoder = new EventCodec(codec.registry);
    const [item] = v1Items;
    if (!item) throw new Error('fixture has no v1 item');

    // A failed read is the store's problem (rethrown, retried by readers); a missing origin is a decoding problem.
    await expect(decoder.decode(item, readOrigin)).rejects.toBeInstanceOf(OriginUnavailable);
    const second = await codecErrorOf(decoder.decode(item, readOrigin));
    const third = await decoder.decode(item, readOrigin);
    await decoder.decode(item, readOrigin);

    expect(second.problem).toBe('upcast-failed');
    expect(third.data).toHaveProperty('unitPrice');
    expect(readOrigin).toHaveBeenCalledTimes(3);
  });

  it('is bounded: the oldest stream is evicted first', async () => {
    const readOrigin = jest.fn(originReaderFor(fixture.stored));
    const decoder = new EventCodec(codec.registry, serviceUpcasters, 2);
    const firstItemOf = (stream: string | undefined): StoredEvent => v1Items.find((e) => e.streamId === stream) as StoredEvent;
    const [a, b, c] = streams;

    for (const stream of [a, b, b, a, c, c, b, a]) await decoder.decode(firstItemOf(stream), readOrigin);

    // a, b loaded; c evicts a; b cached; a reloaded (evicting b).
    expect(readOrigin.mock.calls.map(([streamId]) => streamId)).toEqual([a, b, c, a]);
  });
});

describe('toMinorUnits', () => {
  it.each<[number, string, number]>([
    [19.99, 'EUR', 1999],
    [0.3, 'EUR', 30],
    [0.1 + 0.2, 'EUR', 30],
    [1234.5, 'EUR', 123450],
    [1234.5, 'JPY', 1235],
    [1234.4, 'JPY', 1234],
    [12.345, 'KWD', 12345],
    [0.1, 'KWD', 100],
    [0, 'EUR', 0],
    [9_999_999.99, 'EUR', 999_999_999],
    [10_000_000, 'EUR', 1_000_000_000],
    // Halves at the currency's precision round away from zero, even where binary arithmetic says otherwise.
    [1.005, 'EUR', 101],
    [8.325, 'EUR', 833],
    [2.675, 'EUR', 268],
    [1.0005, 'KWD', 1001],
    [0.005, 'EUR', 1],
    [0.0049999, 'EUR', 0],
    [-2.5, 'JPY', -3],
    [-1.005, 'EUR', -101],
    [1e-7, 'EUR', 0],
    [1.5e-3, 'KWD', 2],
    [1e21, 'JPY', 1e21],
  ])('%p %s → %p', (major, currency, minor) => {
    expect(toMinorUnits(major, currency)).toBe(minor);
  });

  it('rejects an unknown currency', () => {
    expect(() => toMinorUnits(1, 'XYZ')).toThrow(InvalidValue);
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY]])('rejects %p', (major) => {
    expect(() => toMinorUnits(major, 'EUR')).toThrow(RangeError);
  });

  it('is exact for every amount written with the currency precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.constantFrom(...currencyCodes()), (minor, currency) => {
        expect(toMinorUnits(minor / 10 ** minorUnitsOf(currency), currency)).toBe(minor);
      }),
      { numRuns: 500 },
    );
  });

  it('rounds every half of a minor unit up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.constantFrom(...currencyCodes()), (minor, currency) => {
        const half = Number(`${minor}5e-${minorUnitsOf(currency) + 1}`);
        expect(toMinorUnits(half, currency)).toBe(minor + 1);
      }),
      { numRuns: 500 },
    );
  });
});
