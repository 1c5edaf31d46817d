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

export async function withTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {
      broken = true; // a connection that cannot roll back must not go back into the pool
    });
    throw err;
  } finally {
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
