import { hash, timingSafeEqual } from 'node:crypto';
import { problems } from './problem-details';

export type Role = 'reader' | 'writer' | 'admin';

/** Who sent a request: `actor` goes into event metadata and idempotency scopes; it never contains the key. */
export interface Principal {
  readonly actor: string;
  readonly role: Role;
}

const RANK: Readonly<Record<Role, number>> = { reader: 1, writer: 2, admin: 3 };

/** admin implies writer, writer implies reader. */
export const roleAllows = (held: Role, needed: Role): boolean => RANK[held] >= RANK[needed];

/** Without keys the API is open: every caller acts as this admin (the composition root warns loudly). */
export const ANONYMOUS: Principal = { actor: 'anonymous', role: 'admin' };

const digestOf = (key: string): Buffer => hash('sha256', key, 'buffer');

/** A stable, non-reversible name for a key (for audit): a prefix of its SHA-256, never the key itself. */
export const actorOfKey = (key: string): string => `apikey:${digestOf(`order-service:actor:${key}`).toString('hex').slice(0, 12)}`;

const BEARER = /^Bearer +(\S{1,512}) *$/i;

/**
 * Bearer API keys. The presented key is hashed (SHA-256: fast, fixed length), the digest found in a
 * map (O(1), keyed by a digest, so the lookup reveals nothing about the key), then compared with
 * timingSafeEqual: no comparison ever runs over the secret itself.
 */
export class ApiKeys {
  private readonly byDigest = new Map<string, { readonly digest: Buffer; readonly principal: Principal }>();

  constructor(keys: ReadonlyMap<string, Role>) {
    for (const [key, role] of keys) {
      if (!(role in RANK)) throw new Error(`Unknown role ${String(role)} for an API key`);
      const digest = digestOf(key);
      this.byDigest.set(digest.toString('base64'), { digest, principal: { actor: actorOfKey(key), role } });
    }
  }

  get open(): boolean {
    return this.byDigest.size === 0;
  }

  /** The caller of a request with this Authorization header; 401 when it names no known key. */
  authenticate(authorization: string | undefined): Principal {
    if (this.open) return ANONYMOUS;
    if (authorization === undefined || authorization === '') throw problems.unauthorized('Send an API key as "Authorization: Bearer <key>"', false);
    const match = BEARER.exec(authorization);
    if (!match) throw problems.unauthorized('The Authorization header must be "Bearer <key>"', true);
    const presented = digestOf(match[1] as string);
    const entry = this.byDigest.get(presented.toString('base64'));
    if (!entry || !timingSafeEqual(entry.digest, presented)) throw problems.unauthorized('The API key is not valid', true);
    return entry.principal;
  }

  /** 403 unless the principal's role includes `needed`. */
  static authorize(principal: Principal, needed: Role): void {
    if (!roleAllows(principal.role, needed)) throw problems.forbidden(needed);
  }
}
