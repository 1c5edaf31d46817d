import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './rate-limit';

describe('MemoryRateLimiter', () => {
  it('allows a burst, then refills at the sustained rate, per key', async () => {
    let now = 1_000_000;
    const l = new MemoryRateLimiter({ perSecond: 10, burst: 3 }, () => now);
    expect((await Promise.all([l.take('a'), l.take('a'), l.take('a')])).every((r) => r.ok)).toBe(true);
    expect(await l.take('a')).toEqual({ ok: false, retryAfterMs: 100 });
    expect((await l.take('b')).ok).toBe(true);
    now += 100;
    expect((await l.take('a')).ok).toBe(true);
    expect((await l.take('a')).ok).toBe(false);
    now += 10_000;
    for (let i = 0; i < 3; i++) expect((await l.take('a')).ok).toBe(true);
    expect((await l.take('a')).ok).toBe(false);
  });

  it('a clock stepped backwards neither refills nor breaks the bucket', async () => {
    let now = 5000;
    const l = new MemoryRateLimiter({ perSecond: 1, burst: 1 }, () => now);
    expect((await l.take('a')).ok).toBe(true);
    now = 0;
    expect((await l.take('a')).ok).toBe(false);
    now = 6000;
    expect((await l.take('a')).ok).toBe(true);
  });

  it('purges buckets idle for longer than a full refill (and at least a minute)', async () => {
    let now = 0;
    const l = new MemoryRateLimiter({ perSecond: 1, burst: 100 }, () => now);
    await l.take('old');
    now = 90_000;
    await l.take('new');
    await l.purge();
    expect(l.size).toBe(2); // 'old' needs 100 s to refill
    now = 101_000;
    await l.purge();
    expect(l.size).toBe(1);
  });

  it('rejects nonsense settings', () => {
    expect(() => new MemoryRateLimiter({ perSecond: 0, burst: 1 }, Date.now)).toThrow(RangeError);
    expect(() => new MemoryRateLimiter({ perSecond: 1, burst: 0 }, Date.now)).toThrow(RangeError);
  });
});
