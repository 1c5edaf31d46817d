import { describe, expect, it } from 'vitest';
import { lcg31, mulberry32, xorshift32 } from './prng';

describe('seeded generators', () => {
  it('repeat from the same seed and stay in range', () => {
    for (const make of [mulberry32, lcg31, xorshift32]) {
      const a = make(42);
      const b = make(42);
      const xs = Array.from({ length: 1000 }, () => a());
      expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(new Set(xs).size).toBeGreaterThan(990);
    }
  });

  it('keep the sequences the copies they replace produced', () => {
    expect(mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
    expect(lcg31(7)()).toBe(((7 * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    expect(xorshift32(0)()).toBe(xorshift32(1)());
  });
});
