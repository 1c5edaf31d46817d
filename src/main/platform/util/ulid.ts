import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * ulid's own random source asks the operating system for one byte per character (16 calls per ID
 * in a new millisecond): at a few thousand IDs a second that was ~7 % of the main thread in a
 * memory-ingest profile (issue 20). This one draws the same CSPRNG bytes 4 KiB at a time and
 * turns a byte into a fraction exactly as ulid does (byte / 256).
 */
const pool = new Uint8Array(4096);
let next = pool.length;
function pooledRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

/** Monotonic ULIDs: sortable by creation, unique within the process even in the same millisecond. */
export const newUlid: () => string = monotonicFactory(pooledRandom);
