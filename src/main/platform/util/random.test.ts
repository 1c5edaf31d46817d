import { describe, expect, it } from 'vitest';
import { pooledRandomBytes } from './random';

describe('pooledRandomBytes', () => {
  it('hands out fresh bytes in buffers of their own, across many pool refills', () => {
    const ivs = Array.from({ length: 5_000 }, () => pooledRandomBytes(12)); // ~15 refills of the 4 KiB pool
    expect(ivs.every((b) => b.length === 12)).toBe(true);
    expect(new Set(ivs.map((b) => b.toString('hex'))).size).toBe(ivs.length);
    const copy = Buffer.from(ivs[1]!);
    ivs[0]!.fill(0); // one buffer's bytes are its own: changing it changes no other
    expect(ivs[1]!.equals(copy)).toBe(true);
    expect(pooledRandomBytes(0).length).toBe(0);
    expect(pooledRandomBytes(4096).length).toBe(4096);
    expect(() => pooledRandomBytes(4097)).toThrow(RangeError);
    expect(() => pooledRandomBytes(-1)).toThrow(RangeError);
  });

  it('draws every byte value evenly (a stuck, reused or biased pool is far outside)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2_000; i++) for (const b of pooledRandomBytes(64)) counts[b]!++;
    // 128,000 bytes, 500 expected per value: every value within ±30 %.
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(150);
  });
});
