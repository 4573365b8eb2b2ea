import fc from 'fast-check';
import {
  comparePositions,
  InvalidPosition,
  isAfter,
  isPosition,
  maxPosition,
  parsePosition,
  positionOf,
  positionSortKey,
} from '../../../src/application/ports';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const sign = (n: bigint) => (n < 0n ? -1 : n > 0n ? 1 : 0);
const reference = ([ac, ap]: readonly [bigint, bigint], [bc, bp]: readonly [bigint, bigint]) => (ac !== bc ? sign(ac - bc) : sign(ap - bp));

describe('positions', () => {
  it('accepts both forms and rejects anything else', () => {
    expect(['0', '42', '18446744073709551615', '10/7', '0/0'].every(isPosition)).toBe(true);
    expect(['', '-1', '01', '1.5', '1/', '/1', 'a', '18446744073709551616', '1/2/3', ' 1'].some(isPosition)).toBe(false);
    expect(() => comparePositions('1', 'x')).toThrow(InvalidPosition);
    expect(() => comparePositions('01', '1')).toThrow(InvalidPosition);
  });

  it('orders numbers numerically, not as strings ("9" < "10")', () => {
    expect(comparePositions('9', '10')).toBe(-1);
    expect(comparePositions('10', '9')).toBe(1);
    expect(comparePositions('123', '123')).toBe(0);
    expect(comparePositions('5/5', '10/10')).toBe(-1);
    expect(comparePositions('10', '10/9')).toBe(1);
  });

  it('agrees with a BigInt comparison of (commit, prepare) for every pair of positions, in both forms', () => {
    fc.assert(
      fc.property(u64, u64, u64, u64, fc.boolean(), fc.boolean(), (ac, ap, bc, bp, aSingle, bSingle) => {
        const a = aSingle ? positionOf(ac) : positionOf(ac, ap);
        const b = bSingle ? positionOf(bc) : positionOf(bc, bp);
        const expected = reference(parsePosition(a), parsePosition(b));
        expect(comparePositions(a, b)).toBe(expected);
        expect(positionSortKey(a) < positionSortKey(b) ? -1 : positionSortKey(a) > positionSortKey(b) ? 1 : 0).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips through positionOf / parsePosition and keeps a single number when commit = prepare', () => {
    expect(positionOf(7n)).toBe('7');
    expect(positionOf(7n, 7n)).toBe('7');
    expect(positionOf(9n, 8n)).toBe('9/8');
    expect(parsePosition('9/8')).toEqual([9n, 8n]);
    expect(parsePosition('9')).toEqual([9n, 9n]);
  });

  it('isAfter treats null as "before everything"; maxPosition picks the later one', () => {
    expect(isAfter('1', null)).toBe(true);
    expect(isAfter('10', '9')).toBe(true);
    expect(isAfter('9', '9')).toBe(false);
    expect(maxPosition('9', '10')).toBe('10');
    expect(maxPosition(null, '3')).toBe('3');
    expect(maxPosition('3', null)).toBe('3');
  });
});
