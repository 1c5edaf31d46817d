// Per-device token bucket. In memory: limits protect this process's CPU and database, and a
// restart that refills every bucket is harmless. Keys are authenticated device ids, so the map
// is bounded by the number of enrolled devices.

export interface RateLimitOptions {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed in a burst (bucket capacity). */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 50, burst: 100 };

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: RateLimitOptions,
    private readonly nowMs: () => number,
  ) {
    if (!(opts.perSecond > 0) || !(opts.burst >= 1)) throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
  }

  take(key: string): TakeResult {
    const now = this.nowMs();
    const b = this.buckets.get(key) ?? { tokens: this.opts.burst, at: now };
    // max(0, …): a wall clock stepped backwards neither refills nor drains the bucket.
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.opts.burst, b.tokens + (elapsed * this.opts.perSecond) / 1000);
    b.at = Math.max(b.at, now);
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) * 1000) / this.opts.perSecond) };
  }
}
