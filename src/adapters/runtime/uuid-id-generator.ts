import { createHash, randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../application/ports';

/** The service's UUIDv5 namespace (itself a random UUID, fixed forever: changing it changes every derived id). */
export const SERVICE_NAMESPACE = '3f1b7c52-8a0e-4d7b-9c61-2b5e0f4a9d13';

const bytesOf = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');

/** RFC 9562 UUIDv5: SHA-1 of namespace + name, with the version and variant bits set. */
export const uuidV5 = (name: string, namespace: string = SERVICE_NAMESPACE): string => {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export const uuidIdGenerator: IdGenerator = {
  newId: () => randomUUID(),
  deriveId: (name) => uuidV5(name),
};
