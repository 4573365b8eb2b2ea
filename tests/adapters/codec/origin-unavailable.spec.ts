import { CodecError, EventCodec, OriginUnavailable, type StoredEvent } from '../../../src/adapters/codec';

const metadata = { correlationId: 'c', causationId: 'c', actor: 'test', occurredAt: '2024-01-01T00:00:00.000Z', schemaVersion: 1 };
const orderId = '0b7e3a52-4d0e-4c4a-9f51-3a1e6f1d0001';
const origin: StoredEvent = {
  eventId: '0b7e3a52-4d0e-4c4a-9f51-3a1e6f1d0002', type: 'OrderCreated', streamId: `order-${orderId}`, revision: 0, position: '1',
  data: { orderId, customerId: '0b7e3a52-4d0e-4c4a-9f51-3a1e6f1d0003', currency: 'EUR' }, metadata,
};
const itemV1: StoredEvent = {
  ...origin, eventId: '0b7e3a52-4d0e-4c4a-9f51-3a1e6f1d0004', type: 'OrderItemAdded', revision: 1, position: '2',
  data: { orderId, productId: '0b7e3a52-4d0e-4c4a-9f51-3a1e6f1d0005', productName: 'Lamp', quantity: 1, price: 9.99 },
};

describe('EventCodec when the stream origin cannot be read', () => {
  it('rethrows the store failure (so readers retry) instead of reporting the event undecodable', async () => {
    const codec = new EventCodec();
    const failing = async (): Promise<StoredEvent> => {
      throw new Error('connection reset');
    };
    await expect(codec.decode(itemV1, failing)).rejects.toBeInstanceOf(OriginUnavailable);
    await expect(codec.decodeOrReport(itemV1, failing)).rejects.toThrow(/could not be read: connection reset/);
  });

  it('does not cache the failure: the next read with a working store upcasts', async () => {
    const codec = new EventCodec();
    await expect(codec.decode(itemV1, () => Promise.reject(new Error('timeout')))).rejects.toBeInstanceOf(OriginUnavailable);
    const decoded = await codec.decode(itemV1, async () => origin);
    expect(decoded.data).toEqual(expect.objectContaining({ unitPrice: { amount: 999, currency: 'EUR' } }));
  });

  it('still reports a missing origin as a decoding problem', async () => {
    const outcome = await new EventCodec().decodeOrReport(itemV1, async () => undefined);
    expect(outcome.kind).toBe('undecodable');
    expect(outcome.kind === 'undecodable' && outcome.event.error).toBeInstanceOf(CodecError);
  });
});
