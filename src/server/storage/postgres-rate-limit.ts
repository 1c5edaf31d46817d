// The per-device token bucket shared by every instance on one PostgreSQL (rate-limit.ts): one
// statement per request, atomic per device through the row lock of the upsert. Times are the
// instance's clock in epoch ms; GREATEST keeps a bucket from refilling when instances' clocks
// disagree a little (a bucket never goes back in time).
import type pg from 'pg';
import { checkRateLimit, idleMsOf, retryAfterMsOf, type RateLimiter, type RateLimitOptions, type TakeResult } from '../auth/rate-limit';

// PostgreSQL allows no FROM in ON CONFLICT DO UPDATE, so the refilled level is spelled out twice.
const REFILLED = 'LEAST($3::float8, b.tokens + GREATEST(0, $4::float8 - b.at_ms) * $2::float8 / 1000)';
const TAKE = `INSERT INTO rate_buckets AS b (key, tokens, at_ms, ok) VALUES ($1, $3::float8 - 1, $4::float8, true)
  ON CONFLICT (key) DO UPDATE SET
    tokens = ${REFILLED} - CASE WHEN ${REFILLED} >= 1 THEN 1 ELSE 0 END,
    at_ms = GREATEST(b.at_ms, $4::float8),
    ok = ${REFILLED} >= 1
  RETURNING ok, tokens`;

export function postgresRateLimiter(pool: pg.Pool, opts: RateLimitOptions, nowMs: () => number): RateLimiter {
  checkRateLimit(opts);
  return {
    async take(key: string): Promise<TakeResult> {
      const r = await pool.query<{ ok: boolean; tokens: number }>(TAKE, [key, opts.perSecond, opts.burst, nowMs()]);
      const row = r.rows[0];
      if (!row) throw new Error('rate bucket upsert returned no row');
      return row.ok ? { ok: true } : { ok: false, retryAfterMs: retryAfterMsOf(Number(row.tokens), opts) };
    },
    async purge(): Promise<void> {
      await pool.query('DELETE FROM rate_buckets WHERE at_ms < $1::float8', [nowMs() - idleMsOf(opts)]);
    },
  };
}
