// What the SQLite ingest (sqlite-sync.ts) has promised but not yet written: batches are classified
// synchronously against the stored rows and these reservations, then signed (worker threads) while
// earlier batches write, then written one transaction each, in the order they were classified.
import type { IngestOutcome } from './types';

export type Winner = Extract<IngestOutcome, { status: 'decided' }>['winner'];

/** A new key of a batch in flight: what it will store under the key, and its signature once committed. */
export interface FlyingKey {
  contentHash: string;
  json: string;
  /** Resolves after the batch commits; rejects if it stores nothing. */
  signature: Promise<string>;
}

/** A card an approval of a batch in flight claims as its first decision. */
export interface FlyingClaim {
  key: string;
  winner: Winner;
  /** Resolves after the batch commits; rejects if it stores nothing. */
  stored: Promise<unknown>;
}

export interface InFlight {
  /** tenant + idempotency key (pendingKey) → the item a batch in flight stores under it. */
  keys: Map<string, FlyingKey>;
  /** tenant + card id (pendingKey) → the approval a batch in flight stores for it. */
  claims: Map<string, FlyingClaim>;
  /** The highest server_seq handed out in this process (0 before the first batch). */
  seq: number;
  /** The last write queued: each batch's transaction runs after the one classified before it. */
  tail: Promise<unknown>;
}

export function newInFlight(): InFlight {
  return { keys: new Map(), claims: new Map(), seq: 0, tail: Promise.resolve() };
}

/** A promise with its settle functions, for a batch's commit (`stored`) that others may wait on. */
export function commitSignal<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed by whoever waits on it; nobody waiting is fine too
  return { promise, resolve, reject };
}

/** Removes a batch's reservations (those still its own). */
export function release(fl: InFlight, keys: ReadonlyMap<string, FlyingKey>, claims: ReadonlyMap<string, FlyingClaim>): void {
  for (const [k, v] of keys) if (fl.keys.get(k) === v) fl.keys.delete(k);
  for (const [k, v] of claims) if (fl.claims.get(k) === v) fl.claims.delete(k);
}
