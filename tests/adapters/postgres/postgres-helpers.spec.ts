// The PostgreSQL adapter's pure parts (no database): position bounds, stream filters, table names,
// migration files, and which errors mean "the server is unavailable".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, MIGRATIONS_DIR, tableName } from '../../../src/adapters/postgres';
import { assertSchemaName, eventsChannel, isUnavailable, storeError } from '../../../src/adapters/postgres/postgres-connection';
import { afterBound, prefixPatterns } from '../../../src/adapters/postgres/postgres-event-store';
import { InvalidPosition, StoreUnavailable } from '../../../src/application/ports';

describe('afterBound: the events after a position are those above this number', () => {
  it.each([
    [null, 0n],
    ['0', 0n],
    ['5', 5n],
    ['5/5', 5n],
    ['5/3', 4n], // 5 reads as 5/5, which is after 5/3
    ['5/7', 5n], // 5/5 is before 5/7: the first event after it is 6
    ['18446744073709551615', (1n << 63n) - 1n],
  ])('%s → %s', (position, bound) => {
    expect(afterBound(position)).toBe(bound);
  });

  it('rejects what is not a position', () => {
    expect(() => afterBound('-1')).toThrow(InvalidPosition);
    expect(() => afterBound('abc')).toThrow(InvalidPosition);
  });
});

describe('prefixPatterns', () => {
  it('is null (every stream) without prefixes', () => {
    expect(prefixPatterns(undefined)).toBeNull();
    expect(prefixPatterns([])).toBeNull();
  });

  it('escapes LIKE wildcards so a prefix matches literally', () => {
    expect(prefixPatterns(['order-', 'a_b%c\\d'])).toEqual(['order-%', 'a\\_b\\%c\\\\d%']);
  });
});

describe('tableName', () => {
  it('prefixes plain lower-case names and hashes anything else, within the 63-byte identifier limit', () => {
    expect(tableName('order_list')).toBe('rm_order_list');
    expect(tableName('order_list__rebuild')).toBe('rm_order_list__rebuild');
    for (const name of ['Order-List', 'x'.repeat(60), 'é', 'a"b']) {
      expect(tableName(name)).toMatch(/^rmh_[0-9a-f]{40}$/);
      expect(tableName(name)).toBe(tableName(name));
    }
    expect(tableName('Order-List')).not.toBe(tableName('order-list'));
  });
});

describe('loadMigrations', () => {
  const dirs: string[] = [];
  const dirWith = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    dirs.push(dir);
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the shipped migrations in version order, each with a sha256 checksum', () => {
    const migrations = loadMigrations(MIGRATIONS_DIR);
    expect(migrations.map((m) => m.name)).toEqual(['001_event_store', '002_read_side']);
    for (const migration of migrations) expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('orders by version, ignores line endings in the checksum, and rejects bad names and duplicate versions', () => {
    const lf = loadMigrations(dirWith({ '002_b.sql': 'SELECT 2;\n', '001_a.sql': 'SELECT 1;\nSELECT 1;\n' }));
    const crlf = loadMigrations(dirWith({ '001_a.sql': 'SELECT 1;\r\nSELECT 1;\r\n' }));
    expect(lf.map((m) => m.name)).toEqual(['001_a', '002_b']);
    expect(crlf[0]?.checksum).toBe(lf[0]?.checksum);
    expect(() => loadMigrations(dirWith({ '1_a.sql': '' }))).toThrow(/NNN_description/);
    expect(() => loadMigrations(dirWith({ '001_a.sql': '', '001_b.sql': '' }))).toThrow(/Two migrations with version 001/);
  });
});

describe('connection errors', () => {
  it('maps connection failures to StoreUnavailable and leaves statement errors alone', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const adminShutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const connectionFailure = Object.assign(new Error('connection failure'), { code: '08006' });
    const terminated = new Error('Connection terminated unexpectedly');
    const duplicate = Object.assign(new Error('duplicate key'), { code: '23505' });

    for (const error of [refused, adminShutdown, connectionFailure, terminated]) {
      expect(isUnavailable(error)).toBe(true);
      expect(storeError(error)).toBeInstanceOf(StoreUnavailable);
      expect((storeError(error) as StoreUnavailable).cause).toBe(error);
    }
    expect(isUnavailable(duplicate)).toBe(false);
    expect(storeError(duplicate)).toBe(duplicate);
    expect(isUnavailable('ECONNREFUSED')).toBe(false);
  });
});

describe('schema names and channels', () => {
  it('accepts lower-case SQL identifiers only', () => {
    expect(() => assertSchemaName('order_service')).not.toThrow();
    for (const bad of ['Order', '1abc', 'a-b', 'a"b', '', 'x'.repeat(64)]) expect(() => assertSchemaName(bad)).toThrow(RangeError);
  });

  it('one NOTIFY channel per schema, within the identifier limit', () => {
    expect(eventsChannel('order_service')).toBe('events:order_service');
    expect(eventsChannel('x'.repeat(63)).length).toBeLessThanOrEqual(63);
  });
});
