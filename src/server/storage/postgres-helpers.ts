// Helpers the PostgreSQL storage's modules share.
import pg from 'pg';
import type { IngestOutcome, SnapshotInput } from './types';

// Two-key advisory locks (a keyspace apart from the one-key migration lock): (namespace, tenant hash).
// Every transaction that appends team_feed rows takes its tenant's lock just before the inserts and
// holds it to commit, so a tenant's feed rows commit in seq order and a pull never passes a row that
// commits later with a lower seq.
export const FEED_LOCK_NS = 7405;

export type Queryable = Pick<pg.PoolClient, 'query'>;

export const UPSERT_SNAPSHOT = `INSERT INTO device_snapshots (day, device, tenant, level, pending_count, dead_letter_count, last_sync_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (day, device) DO UPDATE SET level = excluded.level, pending_count = excluded.pending_count,
    dead_letter_count = excluded.dead_letter_count, last_sync_at = excluded.last_sync_at`;
export const snapshotArgs = (r: SnapshotInput): unknown[] => [r.day, r.device, r.tenant, r.level, r.pendingCount, r.deadLetterCount, r.lastSyncAt];

// Work a transaction defers to just before its COMMIT (the audit chain's insert, which takes a
// global lock: taken last, after every other lock, and held only until the commit).
interface TxScope {
  slots: Map<symbol, unknown>;
  hooks: Array<() => Promise<void>>;
}
const txScopes = new WeakMap<object, TxScope>();

/**
 * The value in slot `key` of `c`'s transaction; made on first use, when `flush` is registered to
 * run before COMMIT. Throws outside withTx. A rolled-back transaction's slots are dropped.
 */
export function beforeCommit<T>(c: Queryable, key: symbol, make: () => { value: T; flush: () => Promise<void> }): T {
  const scope = txScopes.get(c);
  if (!scope) throw new Error('beforeCommit needs a transaction opened by withTx');
  if (scope.slots.has(key)) return scope.slots.get(key) as T;
  const { value, flush } = make();
  scope.slots.set(key, value);
  scope.hooks.push(flush);
  return value;
}

export async function withTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  const scope: TxScope = { slots: new Map(), hooks: [] };
  try {
    await c.query('BEGIN');
    txScopes.set(c, scope);
    const out = await fn(c);
    for (const hook of scope.hooks) await hook();
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {
      broken = true; // a connection that cannot roll back must not go back into the pool
    });
    throw err;
  } finally {
    txScopes.delete(c);
    c.release(broken);
  }
}

export interface StoredRow {
  content_hash: string;
  receipt_json: string;
  receipt_sig: string;
}

export type Winner = Extract<IngestOutcome, { status: 'decided' }>['winner'];
export interface ClaimRow {
  idempotency_key: string;
  device: string;
  user_id: string;
  server_seq: number;
  received_at: string;
}
export const winnerOf = (r: ClaimRow): Winner => ({ device: r.device, user: r.user_id, serverSeq: Number(r.server_seq), receivedAt: r.received_at });
