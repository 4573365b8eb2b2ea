import { Watermark } from '../../../src/application/projections/watermark';

describe('Watermark (checkpoint of an out-of-order projection)', () => {
  it('follows the highest resolved position while nothing is being retried', () => {
    const watermark = new Watermark('3', 1000);
    watermark.resolved('a', '5');
    watermark.resolved('b', '4');
    expect(watermark.value(0)).toBe('5');
  });

  it('stays where it was while an event is retried, then jumps to the highest resolved', () => {
    const watermark = new Watermark(null, 1000);
    watermark.resolved('a', '1');
    watermark.retrying('b', 0);
    watermark.resolved('c', '3');
    expect(watermark.value(10)).toBe('1');
    watermark.resolved('b', '2');
    expect(watermark.value(20)).toBe('3');
  });

  it('forgets a retry that never came back within its time to live', () => {
    const watermark = new Watermark('7', 100);
    watermark.retrying('x', 0);
    watermark.resolved('y', '9');
    expect(watermark.value(50)).toBe('7');
    expect(watermark.value(101)).toBe('9');
  });

  it('counts one event retried several times once', () => {
    const watermark = new Watermark(null, 1000);
    watermark.retrying('x', 0);
    watermark.retrying('x', 5);
    watermark.resolved('x', '4');
    expect(watermark.value(6)).toBe('4');
  });
});
