import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { newUlid } from './ulid';

describe('newUlid (pooled random source)', () => {
  it('gives valid, unique IDs in creation order, timed now', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newUlid());
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(decodeTime(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ids.at(-1)!)).toBeLessThanOrEqual(Date.now());
  });

  it('draws the random part evenly from all 32 symbols (past the 4 KiB pool, so it refills)', async () => {
    // One ID per millisecond: each gets a fresh random part (16 symbols) rather than an increment.
    const counts = new Map<string, number>();
    let n = 0;
    for (let i = 0; i < 400; i++) {
      const id = newUlid();
      for (const c of id.slice(10)) counts.set(c, (counts.get(c) ?? 0) + 1);
      n += 16;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(counts.size).toBe(32);
    // 6,400 symbols, 200 expected each: every symbol within ±40 % (a stuck or biased source is far outside).
    for (const c of counts.values()) expect(Math.abs(c - n / 32)).toBeLessThan((n / 32) * 0.4);
  });
});
