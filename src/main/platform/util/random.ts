import { randomFillSync } from 'node:crypto';

/**
 * CSPRNG bytes drawn from the operating system 4 KiB at a time, for the many small draws of a hot
 * path (an AES-GCM IV per sealed item, a ULID's 16 random characters). One `randomBytes(12)` is a
 * call into OpenSSL and the OS each time: ~13 µs on the 2-core machine, 0.13 s of a 10,000-item sync
 * (issue 20). Every byte handed out is fresh and used once: the pool is refilled, never reused.
 */
const POOL = 4096;
const pool = Buffer.alloc(POOL);
let next = POOL;

function take(n: number): number {
  if (next + n > POOL) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += n;
  return at;
}

/** `n` (≤ 4096) random bytes in a new Buffer of their own. */
export function pooledRandomBytes(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > POOL) throw new RangeError(`pooledRandomBytes: n must be 0..${POOL}`);
  const at = take(n);
  return Buffer.from(pool.subarray(at, at + n));
}

/** One random byte as a fraction in [0, 1), as ulid's own source makes it (byte / 256). */
export function pooledRandomFraction(): number {
  return pool[take(1)]! / 256;
}
