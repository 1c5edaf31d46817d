import { monotonicFactory } from 'ulid';
import { pooledRandomFraction } from './random';

/**
 * Monotonic ULIDs: sortable by creation, unique within the process even in the same millisecond.
 * ulid's own random source asks the operating system for one byte per character (16 calls per ID
 * in a new millisecond): at a few thousand IDs a second that was ~7 % of the main thread in a
 * memory-ingest profile (issue 20). This one draws the same CSPRNG bytes from a pool refilled
 * 4 KiB at a time (./random.ts) and turns a byte into a fraction exactly as ulid does (byte / 256).
 */
export const newUlid: () => string = monotonicFactory(pooledRandomFraction);
