// The audit chain's SQLite writer (see audit-chain.ts). SQLite has one writer at a time, so the
// head read and the insert need no lock beyond the caller's transaction.
import type Database from 'better-sqlite3';
import { GENESIS_PREV_HASH } from '../../shared/audit-hash';
import { rowHash, SealDigest, sealEntry, type AuditPageReader, type AuditRow } from './audit-chain';
import type { AuditInput } from './types';

const ROW_COLUMNS = 'seq, ts, actor, action, subject, payload, prev_hash AS prevHash, hash';
const SEAL_PAGE = 5000;

/** Appends chained rows; seals unchained rows at the tail first (also at open: `sealPending`). */
export function sqliteAuditWriter(db: Database.Database) {
  const head = db.prepare('SELECT seq, hash FROM server_audit ORDER BY seq DESC LIMIT 1');
  const lastChained = db.prepare('SELECT seq, hash FROM server_audit WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1');
  const after = db.prepare(`SELECT ${ROW_COLUMNS} FROM server_audit WHERE seq > ? ORDER BY seq LIMIT ?`);
  // AUTOINCREMENT never reuses a seq, even of a row since removed.
  const nextSeq = db.prepare(
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'server_audit'), 0), COALESCE((SELECT MAX(seq) FROM server_audit), 0)) + 1 AS seq",
  );
  const insert = db.prepare('INSERT INTO server_audit (seq, ts, actor, action, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');

  const append = (a: AuditInput, prevHash: string, seq: number = (nextSeq.get() as { seq: number }).seq): string => {
    const payload = JSON.stringify(a.payload);
    const hash = rowHash({ seq, ts: a.ts, actor: a.actor, action: a.action, subject: a.subject, payload }, prevHash);
    insert.run(seq, a.ts, a.actor, a.action, a.subject, payload, prevHash, hash);
    return hash;
  };

  /** The hash to link the next row to, after sealing any unchained rows at the tail. */
  const tip = (ts: string): string => {
    const h = head.get() as { seq: number; hash: string | null } | undefined;
    if (!h) return GENESIS_PREV_HASH;
    if (h.hash !== null) return h.hash;
    const last = lastChained.get() as { seq: number; hash: string } | undefined;
    const digest = new SealDigest();
    for (let from = last?.seq ?? 0; ;) {
      const page = after.all(from, SEAL_PAGE) as AuditRow[];
      for (const r of page) digest.add(r);
      if (page.length < SEAL_PAGE) break;
      from = page[page.length - 1]!.seq;
    }
    const prev = last?.hash ?? GENESIS_PREV_HASH;
    const seal = sealEntry(digest, prev);
    return append({ ts, actor: 'server', action: seal.action, subject: 'server_audit', payload: { ...seal.payload } }, prev);
  };

  return {
    /** Call inside the caller's write transaction. */
    audit: (a: AuditInput): void => {
      append(a, tip(a.ts));
    },
    /**
     * Several rows in order (a sync batch's items), inside the caller's write transaction: the head
     * and the next seq are read once, then each row links to the one before (the same rows and
     * hashes as that many audit() calls).
     */
    auditMany: (list: readonly AuditInput[]): void => {
      if (list.length === 0) return;
      let prev = tip(list[0]!.ts);
      let seq = (nextSeq.get() as { seq: number }).seq;
      for (const a of list) prev = append(a, prev, seq++);
    },
    /** At open: seal rows written before the chain (or by a server without it), in one IMMEDIATE transaction. */
    sealPending: (now: string): void => {
      const h = head.get() as { hash: string | null } | undefined;
      if (h && h.hash === null) db.transaction(() => tip(now)).immediate();
    },
  };
}

/** Keyset pages for verify-audit. */
export function sqliteAuditReader(db: Database.Database): AuditPageReader {
  const page = db.prepare(`SELECT ${ROW_COLUMNS} FROM server_audit WHERE seq > ? ORDER BY seq LIMIT ?`);
  return (afterSeq, limit) => Promise.resolve(page.all(afterSeq, limit) as AuditRow[]);
}
