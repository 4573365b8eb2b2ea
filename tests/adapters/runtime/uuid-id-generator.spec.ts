import { isUuid } from '../../../src/domain';
import { uuidIdGenerator, uuidV5 } from '../../../src/adapters/runtime/uuid-id-generator';

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is deterministic per name and differs across names', () => {
    expect(uuidIdGenerator.deriveId('command-1/order-x/0')).toBe(uuidIdGenerator.deriveId('command-1/order-x/0'));
    expect(uuidIdGenerator.deriveId('command-1/order-x/0')).not.toBe(uuidIdGenerator.deriveId('command-1/order-x/1'));
  });

  it('produces lower-case UUIDs the domain and the codec accept', () => {
    expect(isUuid(uuidIdGenerator.deriveId('a'))).toBe(true);
    expect(isUuid(uuidIdGenerator.newId())).toBe(true);
  });
});
