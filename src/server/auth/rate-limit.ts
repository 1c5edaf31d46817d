// Per-device token buckets. SQLite (one process): in memory, where a restart that refills every
// bucket is harmless. PostgreSQL (any number of instances behind a load balancer): one row per
// device in rate_buckets (postgres-rate-limit.ts), so N instances still grant one device the
// configured rate, not N times it. Keys are authenticated device ids.

export interface RateLimitOptions {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed in a burst (bucket capacity). */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 50, burst: 100 };

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

export interface RateLimiter {
  take(key: string): Promise<TakeResult>;
  /** Drops buckets idle long enough to have refilled (they would read as absent anyway). */
  purge(): Promise<void>;
}

export function checkRateLimit(opts: RateLimitOptions): void {
  if (!(opts.perSecond > 0) || !(opts.burst >= 1)) throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
}

/** How long a bucket must sit idle before it is purged: at least its full refill time, and a minute. */
export const idleMsOf = (opts: RateLimitOptions): number => Math.max(60_000, Math.ceil((opts.burst / opts.perSecond) * 1000));

export const retryAfterMsOf = (tokens: number, opts: RateLimitOptions): number => Math.ceil(((1 - tokens) * 1000) / opts.perSecond);

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: RateLimitOptions,
    private readonly nowMs: () => number,
  ) {
    checkRateLimit(opts);
  }

  take(key: string): Promise<TakeResult> {
    const now = this.nowMs();
    const b = this.buckets.get(key) ?? { tokens: this.opts.burst, at: now };
    // max(0, …): a wall clock stepped backwards neither refills nor drains the bucket.
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.opts.burst, b.tokens + (elapsed * this.opts.perSecond) / 1000);
    b.at = Math.max(b.at, now);
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return Promise.resolve({ ok: true });
    }
    return Promise.resolve({ ok: false, retryAfterMs: retryAfterMsOf(b.tokens, this.opts) });
  }

  purge(): Promise<void> {
    const before = this.nowMs() - idleMsOf(this.opts);
    for (const [key, b] of this.buckets) if (b.at < before) this.buckets.delete(key);
    return Promise.resolve();
  }

  /** Buckets held (tests check the purge). */
  get size(): number {
    return this.buckets.size;
  }
}
