import { ANONYMOUS, ApiKeys, actorOfKey, roleAllows, type Role } from '../../../src/adapters/http/api-keys';
import { HttpProblem } from '../../../src/adapters/http/problem-details';

const keys = new ApiKeys(
  new Map<string, Role>([
    ['reader-secret-1', 'reader'],
    ['writer-secret-1', 'writer'],
    ['admin-secret-01', 'admin'],
  ]),
);

const problemOf = (run: () => unknown): HttpProblem => {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('expected a problem');
};

describe('roles', () => {
  it('admin implies writer implies reader, never the other way', () => {
    const table = (['reader', 'writer', 'admin'] as const).map((held) => (['reader', 'writer', 'admin'] as const).map((needed) => roleAllows(held, needed)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it('answers 403 naming the role that is missing', () => {
    const problem = problemOf(() => ApiKeys.authorize({ actor: 'a', role: 'reader' }, 'writer'));
    expect(problem).toMatchObject({ status: 403, slug: 'forbidden' });
    expect(problem.detail).toContain('writer');
    expect(() => ApiKeys.authorize({ actor: 'a', role: 'admin' }, 'writer')).not.toThrow();
  });
});

describe('API keys', () => {
  afterEach(() => jest.restoreAllMocks());

  it('authenticates a bearer key to its role, with an actor that names the key without containing it', () => {
    const principal = keys.authenticate('Bearer writer-secret-1');
    expect(principal).toEqual({ role: 'writer', actor: actorOfKey('writer-secret-1') });
    expect(principal.actor).toMatch(/^apikey:[0-9a-f]{12}$/);
    expect(principal.actor).not.toContain('secret');
    expect(keys.authenticate('bearer   admin-secret-01 ').role).toBe('admin');
    expect(actorOfKey('writer-secret-1')).not.toBe(actorOfKey('writer-secret-2'));
  });

  it('answers 401 without a key (no error code) and with a malformed or unknown one (invalid_token)', () => {
    const missing = problemOf(() => keys.authenticate(undefined));
    expect(missing).toMatchObject({ status: 401, options: { headers: ['WWW-Authenticate', 'Bearer realm="order-service"'] } });
    for (const header of ['Basic d3JpdGVyOnNlY3JldA==', 'Bearer', 'Bearer writer-secret-', 'Bearer writer-secret-10', 'Bearer a b', 'writer-secret-1']) {
      const problem = problemOf(() => keys.authenticate(header));
      expect({ header, status: problem.status, header401: problem.options.headers?.[1] }).toEqual({ header, status: 401, header401: expect.stringContaining('invalid_token') });
    }
  });

  it('compares a found key in constant time, on digests, never on the key itself', () => {
    // The module object itself (an ES namespace import would be a copy the spy cannot reach).
    const compare = jest.spyOn(jest.requireActual<typeof import('node:crypto')>('node:crypto'), 'timingSafeEqual');
    keys.authenticate('Bearer reader-secret-1');
    expect(compare).toHaveBeenCalledTimes(1);
    const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
    expect([a.length, b.length]).toEqual([32, 32]);
    expect(a.toString('latin1')).not.toContain('reader-secret-1');
  });

  it('is open (everyone is an anonymous admin) when no key is configured', () => {
    const open = new ApiKeys(new Map());
    expect(open.open).toBe(true);
    expect(open.authenticate(undefined)).toBe(ANONYMOUS);
    expect(open.authenticate('Bearer whatever')).toEqual({ actor: 'anonymous', role: 'admin' });
    expect(keys.open).toBe(false);
  });

  it('refuses an unknown role at construction', () => {
    expect(() => new ApiKeys(new Map([['some-key-123', 'root' as Role]]))).toThrow(/Unknown role/);
  });
});
