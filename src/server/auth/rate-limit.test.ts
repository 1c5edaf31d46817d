import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './rate-limit';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the sustained rate, per key', () => {
    let now = 1_000_000;
    const l = new TokenBucketLimiter({ perSecond: 10, burst: 3 }, () => now);
    expect([l.take('a'), l.take('a'), l.take('a')].every((r) => r.ok)).toBe(true);
    expect(l.take('a')).toEqual({ ok: false, retryAfterMs: 100 });
    expect(l.take('b').ok).toBe(true);
    now += 100;
    expect(l.take('a').ok).toBe(true);
    expect(l.take('a').ok).toBe(false);
    now += 10_000;
    for (let i = 0; i < 3; i++) expect(l.take('a').ok).toBe(true);
    expect(l.take('a').ok).toBe(false);
  });

  it('a clock stepped backwards neither refills nor breaks the bucket', () => {
    let now = 5000;
    const l = new TokenBucketLimiter({ perSecond: 1, burst: 1 }, () => now);
    expect(l.take('a').ok).toBe(true);
    now = 0;
    expect(l.take('a').ok).toBe(false);
    now = 6000;
    expect(l.take('a').ok).toBe(true);
  });

  it('rejects nonsense settings', () => {
    expect(() => new TokenBucketLimiter({ perSecond: 0, burst: 1 }, Date.now)).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ perSecond: 1, burst: 0 }, Date.now)).toThrow(RangeError);
  });
});
