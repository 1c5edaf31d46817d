// The audit chain's PostgreSQL writer (see audit-chain.ts). Several instances write at once, so the
// chain order is made under one transaction-level advisory lock: a transaction buffers its audit
// rows and inserts them just before COMMIT (withTx's beforeCommit), after every other lock it takes
// (the tenant feed locks), which rules out lock-order deadlocks. Under the lock it reads the head,
// then takes the seqs, so seq order is chain order; the lock is held until the commit, so the next
// holder reads this head. Sequence values of rolled-back transactions leave gaps; links, not seqs,
// make the chain.
import type pg from 'pg';
import { GENESIS_PREV_HASH } from '../../shared/audit-hash';
import { rowHash, SealDigest, sealEntry, type AuditPageReader, type AuditRow } from './audit-chain';
import { beforeCommit, type Queryable } from './postgres-helpers';
import type { AuditInput } from './types';

/** One-key advisory lock (the migration lock is 7_405_331_021); the same for every instance. */
const AUDIT_LOCK_KEY = 7_405_331_022;
const PENDING = Symbol('server_audit rows to chain');
const SEAL_PAGE = 5000;
const ROW_SELECT = 'SELECT seq, ts, actor, action, subject, payload::text AS payload, prev_hash AS "prevHash", hash FROM server_audit';

interface NewRow {
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
}

/** Queues a row for the caller's transaction (opened by withTx); it is chained and inserted before COMMIT. */
export async function auditPostgres(c: Queryable, a: AuditInput): Promise<void> {
  const rows = beforeCommit(c, PENDING, () => {
    const value: NewRow[] = [];
    return { value, flush: () => flush(c, value) };
  });
  // timestamptz reads back as ISO text in ms (postgres.ts parsers): hash what verify will read.
  rows.push({ ts: new Date(a.ts).toISOString(), actor: a.actor, action: a.action, subject: a.subject, payload: JSON.stringify(a.payload) });
  return Promise.resolve();
}

async function flush(c: Queryable, rows: readonly NewRow[]): Promise<void> {
  if (rows.length === 0) return;
  await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const prev = await tip(c, rows[0]!.ts);
  await insertChained(c, rows, prev);
}

async function insertChained(c: Queryable, rows: readonly NewRow[], prevHash: string): Promise<string> {
  const seqs = (
    await c.query<{ seq: number }>("SELECT nextval(pg_get_serial_sequence('server_audit', 'seq')) AS seq FROM generate_series(1, $1)", [rows.length])
  ).rows
    .map((r) => Number(r.seq))
    .sort((a, b) => a - b);
  let prev = prevHash;
  const prevs: string[] = [];
  const hashes: string[] = [];
  rows.forEach((r, i) => {
    prevs.push(prev);
    prev = rowHash({ ...r, seq: seqs[i]! }, prev);
    hashes.push(prev);
  });
  await c.query(
    `INSERT INTO server_audit (seq, ts, actor, action, subject, payload, prev_hash, hash)
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[])`,
    [seqs, rows.map((r) => r.ts), rows.map((r) => r.actor), rows.map((r) => r.action), rows.map((r) => r.subject), rows.map((r) => r.payload), prevs, hashes],
  );
  return prev;
}

/** Under the lock: the hash to link to, after sealing unchained rows at the tail (before the chain, or from a server without it). */
async function tip(c: Queryable, ts: string): Promise<string> {
  const head = (await c.query<{ hash: string | null }>('SELECT hash FROM server_audit ORDER BY seq DESC LIMIT 1')).rows[0];
  if (!head) return GENESIS_PREV_HASH;
  if (head.hash !== null) return head.hash;
  const last = (await c.query<{ seq: number; hash: string }>('SELECT seq, hash FROM server_audit WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1')).rows[0];
  const digest = new SealDigest();
  for (let from = last ? Number(last.seq) : 0; ;) {
    const page = await readPage(c, from, SEAL_PAGE);
    for (const r of page) digest.add(r);
    if (page.length < SEAL_PAGE) break;
    from = page[page.length - 1]!.seq;
  }
  const prev = last?.hash ?? GENESIS_PREV_HASH;
  const seal = sealEntry(digest, prev);
  return insertChained(c, [{ ts, actor: 'server', action: seal.action, subject: 'server_audit', payload: JSON.stringify(seal.payload) }], prev);
}

async function readPage(c: Queryable, afterSeq: number, limit: number): Promise<AuditRow[]> {
  const r = await c.query<AuditRow>(`${ROW_SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
  return r.rows.map((x) => ({ ...x, seq: Number(x.seq), ts: typeof x.ts === 'string' ? x.ts : new Date(x.ts).toISOString() }));
}

/** Keyset pages for verify-audit (a pool with postgres.ts's type parsers: ts as ISO text). */
export function postgresAuditReader(pool: pg.Pool): AuditPageReader {
  return (afterSeq, limit) => readPage(pool, afterSeq, limit);
}
