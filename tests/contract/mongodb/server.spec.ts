import { mongoAvailability, withDirectConnection } from './server';

describe('the MongoDB test server choice', () => {
  it('prefers MONGODB_URL, then a container runtime, else names why the suites are skipped', () => {
    expect(mongoAvailability({ MONGODB_URL: 'mongodb://db:27017', CONTAINER_RUNTIME: 'available' })).toEqual({ available: true, source: 'MONGODB_URL' });
    expect(mongoAvailability({ CONTAINER_RUNTIME: 'available' })).toEqual({ available: true, source: 'container' });
    expect(mongoAvailability({ CONTAINER_RUNTIME: 'unavailable', CONTAINER_RUNTIME_REASON: 'Could not find a working container runtime strategy' })).toEqual({
      available: false,
      reason: 'no container runtime (Could not find a working container runtime strategy) and MONGODB_URL not set',
    });
    expect(mongoAvailability({ MONGODB_URL: '  ' })).toMatchObject({ available: false, reason: expect.stringContaining('not probed') });
  });

  it('connects to the container directly (its replica set advertises a host name only the container knows)', () => {
    expect(withDirectConnection('mongodb://localhost:32768')).toBe('mongodb://localhost:32768/?directConnection=true');
    expect(withDirectConnection('mongodb://u:p@localhost:32768?authSource=admin')).toBe('mongodb://u:p@localhost:32768/?authSource=admin&directConnection=true');
    expect(withDirectConnection('mongodb://h/db?directConnection=true')).toBe('mongodb://h/db?directConnection=true');
  });
});
