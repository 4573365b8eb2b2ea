import fc from 'fast-check';
import { CodecError, EventCodec, toMinorUnits, type StoredEvent } from '../../../src/adapters/codec';
import { currencyCodes, MAX_PRICE_AMOUNT } from '../../../src/domain';
import { arbitraryFromSchema } from '../../support/json-schema-arbitrary';

const codec = new EventCodec();
const { registry } = codec;

const schemaOf = (type: string, version: number): unknown => {
  const validate = registry.validator(type, version);
  if (!validate) throw new Error(`no schema for ${type} v${version}`);
  return validate.schema;
};

// Every type and every version the registry knows: nothing here is a hand-kept list.
const cases = registry.types().flatMap((type) => registry.versionsOf(type).map((version) => [type, version] as const));

// A store holds JSON: whatever JSON cannot carry (-0, undefined) must not reach the codec.
const asStored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const storedEvent = (type: string, version: number): fc.Arbitrary<Omit<StoredEvent, 'streamId' | 'revision'>> =>
  fc.record({
    eventId: fc.uuid(),
    type: fc.constant(type),
    position: fc.bigInt({ min: 1n, max: 2n ** 63n }).map(String),
    data: arbitraryFromSchema(schemaOf(type, version)),
    metadata: arbitraryFromSchema(registry.metadata.schema, { '/schemaVersion': fc.constant(version) }),
  });

// Upcasters may read the first event of the stream (OrderItemAdded v1 takes the order currency from it),
// so every generated event lives in a stream that starts with an OrderCreated in a real currency.
const origin = storedEvent('OrderCreated', registry.latestVersion('OrderCreated') ?? 1).chain((created) =>
  fc.constantFrom(...currencyCodes()).map((currency) => ({ ...created, data: { ...(created.data as object), currency } })),
);

// Arbitraries are built once per case: building one per run (inside chain) costs more than the decoding.
const scenario = (type: string, version: number): fc.Arbitrary<{ origin: StoredEvent; event: StoredEvent }> =>
  fc
    .record({ id: fc.uuid(), revision: fc.integer({ min: 1, max: 100_000 }), origin, event: storedEvent(type, version) })
    .map(({ id, revision, origin: first, event }) =>
      asStored({ origin: { ...first, streamId: `stream-${id}`, revision: 0 }, event: { ...event, streamId: `stream-${id}`, revision } }),
    );

// v1 allowed 10,000,000 in major units: more than v2's 10^9 minor units for a 3-decimal currency (KWD, BHD, …).
const beyondLatestPriceRange = (type: string, version: number, event: StoredEvent, origin: StoredEvent): boolean => {
  if (type !== 'OrderItemAdded' || version !== 1) return false;
  const { price } = event.data as { price: number };
  const { currency } = origin.data as { currency: string };
  return toMinorUnits(price, currency) > MAX_PRICE_AMOUNT;
};

describe('every stored version of every event type decodes to data valid under the latest schema', () => {
  it('covers more versions than types (some type has evolved)', () => {
    expect(cases.length).toBeGreaterThan(registry.types().length);
  });

  it.each(cases)('%s v%i', async (type, version) => {
    const latest = registry.latestVersion(type) ?? 0;
    const validateStored = registry.validator(type, version);
    const validateLatest = registry.validator(type, latest);
    if (!validateStored || !validateLatest) throw new Error(`no validator for ${type} v${version} or v${latest}`);

    await fc.assert(
      fc.asyncProperty(scenario(type, version), async ({ origin, event }) => {
        // The generator must produce what the store could hold, or the property proves nothing.
        expect({ valid: validateStored(event.data), errors: validateStored.errors ?? null }).toEqual({ valid: true, errors: null });
        const readOrigin = (streamId: string): Promise<StoredEvent | undefined> => Promise.resolve(streamId === origin.streamId ? origin : undefined);

        if (beyondLatestPriceRange(type, version, event, origin)) {
          const error = await codec.decode(event, readOrigin).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(CodecError);
          expect(error).toMatchObject({ problem: 'invalid-data', schemaVersion: latest, violations: [{ path: '/unitPrice/amount' }] });
          return;
        }

        const decoded = await codec.decode(event, readOrigin);

        expect({ valid: validateLatest(decoded.data), errors: validateLatest.errors ?? null }).toEqual({ valid: true, errors: null });
        expect(decoded.storedSchemaVersion).toBe(version);
        expect(decoded).toMatchObject({ type, eventId: event.eventId, streamId: event.streamId, revision: event.revision, position: event.position });
        const { schemaVersion: _version, ...metadata } = event.metadata as Record<string, unknown>;
        expect(decoded.metadata).toEqual(metadata);
        if (version === latest) expect(decoded.data).toStrictEqual(event.data);
      }),
      { numRuns: 200 },
    );
  });
});
