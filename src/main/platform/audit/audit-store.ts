import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/connection';
import { assertWellFormed, canonicalJson } from '../../../shared/canonical';
import { auditChainHasher, GENESIS_PREV_HASH } from '../../../shared/audit-hash';
import type { AuditEntry, AuditHead, AuditVerifyResult } from '../../../shared/api/types';
import { ChainVerifier, PAGE_ROWS, sha256Hex } from './chain-verifier';

export { sha256Hex };

interface Row {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  subject?: string;
  payload: unknown;
}

export interface ListFilter {
  limit: number;
  beforeSeq?: number;
  action?: string;
  actor?: string;
  fromTs?: string;
  toTs?: string;
}

const MULTI_ROWS = 32;
/** A filtered audit list counts its matches up to this many; past it the total is "10,000+". */
export const AUDIT_COUNT_CAP = 10_000;

function rowToEntry(r: Row): AuditEntry {
  return {
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    payload: JSON.parse(r.payload) as unknown,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The hash-chained, append-only audit table. All SQL is prepared once; nothing is string-built. */
export class AuditStore {
  private readonly insert;
  private readonly headStmt;
  private readonly getStmt;
  /** List and count statements per combination of filters present (see filterStatements). */
  private readonly filterStmts = new Map<number, { list: Statement; after: Statement; count: Statement }>();
  private readonly chunkStmt: Statement;
  private readonly lastVerStmt;
  private readonly insertVerStmt;
  private readonly insertMulti: Statement;
  private readonly appendTx: (entries: readonly NewAuditEntry[], canonical: readonly string[], ts: string) => AuditEntry[];

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO audit_log (seq, ts, actor, action, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.headStmt = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.getStmt = db.prepare('SELECT * FROM audit_log WHERE seq = ?');
    // Raw (array) rows: verification reads every row, and arrays are much cheaper than objects.
    this.chunkStmt = db
      .prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash, hash FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq ASC LIMIT ?')
      .raw(true);
    this.lastVerStmt = db.prepare('SELECT * FROM audit_verifications ORDER BY id DESC LIMIT 1');
    this.insertVerStmt = db.prepare(
      `INSERT INTO audit_verifications (verified_at, valid, checked, head_seq, head_hash, bad_seq, bad_reason, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertMulti = db.prepare(
      'INSERT INTO audit_log (seq, ts, actor, action, subject, payload, prev_hash, hash) VALUES ' +
        Array<string>(MULTI_ROWS).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
    );
    this.appendTx = db.transaction((entries: readonly NewAuditEntry[], canonical: readonly string[], ts: string) => this.appendChain(entries, canonical, ts));
  }

  head(): AuditHead | null {
    const r = this.headStmt.get() as { seq: number; hash: string } | undefined;
    return r ? { seq: r.seq, hash: r.hash } : null;
  }

  /**
   * Append entries in the caller's transaction (or its own). Canonicalisation errors (NaN,
   * lone surrogates…) throw before anything is written.
   */
  appendMany(entries: readonly NewAuditEntry[], ts: string): AuditEntry[] {
    // Fields are hashed with a fast path that assumes well-formed strings: check them here.
    assertWellFormed(ts, 'ts');
    const canonical = new Array<string>(entries.length);
    // A batch repeats its actor, action and subject: a value the entry before had is checked already.
    let actor: string | null = null;
    let action: string | null = null;
    let subject: string | null = null;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.actor !== actor) assertWellFormed((actor = e.actor), 'actor');
      if (e.action !== action) assertWellFormed((action = e.action), 'action');
      if ((e.subject ?? '') !== subject) assertWellFormed((subject = e.subject ?? ''), 'subject');
      canonical[i] = canonicalJson(e.payload);
    }
    return this.appendTx(entries, canonical, ts);
  }

  /**
   * The chain step of appendMany, one transaction (prepared once: `db.transaction` builds four
   * wrappers per call, a cost a single append paid every time). Each entry is hashed over the
   * positional canonical form (auditChainHasher: the bytes of auditEntryCanonicalOf, with the JSON
   * forms of what repeats made once) and its result built as one object literal, in the key order
   * callers have always seen. Rows go in MULTI_ROWS to a statement (fewer native calls and
   * statement runs), the tail one at a time.
   */
  private appendChain(entries: readonly NewAuditEntry[], canonical: readonly string[], ts: string): AuditEntry[] {
    const h = this.headStmt.get() as { seq: number; hash: string } | undefined;
    let seq = h ? h.seq : 0;
    let prev = h ? h.hash : GENESIS_PREV_HASH;
    const n = entries.length;
    const hashNext = auditChainHasher(ts, prev, sha256Hex);
    const out = new Array<AuditEntry>(n);
    const params = new Array<string | number>(MULTI_ROWS * 8);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      const subject = e.subject ?? '';
      const payloadCanonical = canonical[i]!;
      seq += 1;
      const hash = hashNext(seq, e.actor, e.action, subject, payloadCanonical);
      out[i] = { seq, ts, actor: e.actor, action: e.action, subject, prevHash: prev, payload: e.payload, hash };
      if (k === 0 && n - i < MULTI_ROWS) this.insert.run(seq, ts, e.actor, e.action, subject, payloadCanonical, prev, hash);
      else {
        const b = k * 8;
        params[b] = seq;
        params[b + 1] = ts;
        params[b + 2] = e.actor;
        params[b + 3] = e.action;
        params[b + 4] = subject;
        params[b + 5] = payloadCanonical;
        params[b + 6] = prev;
        params[b + 7] = hash;
        if (++k === MULTI_ROWS) {
          this.insertMulti.run(params);
          k = 0;
        }
      }
      prev = hash;
    }
    return out;
  }

  get(seq: number): AuditEntry | null {
    const r = this.getStmt.get(seq) as Row | undefined;
    return r ? rowToEntry(r) : null;
  }

  /**
   * One page, newest first. `total` counts the matching entries; filtered, it stops at
   * AUDIT_COUNT_CAP and `totalCapped` says there are more (the view shows "10,000+").
   */
  list(f: ListFilter): { entries: AuditEntry[]; total: number; totalCapped: boolean; nextBeforeSeq: number | null } {
    const params = {
      beforeSeq: f.beforeSeq ?? null,
      action: f.action ?? null,
      actor: f.actor ?? null,
      fromTs: f.fromTs ?? null,
      toTs: f.toTs ?? null,
    };
    const { beforeSeq: _ignored, ...countParams } = params;
    const stmts = this.filterStatements(countParams);
    const rows = (params.beforeSeq === null ? stmts.list : stmts.after).all({ ...params, limit: f.limit }) as Row[];
    // Unfiltered, the total is the head's seq: seqs run 1..head with no gap (appends take head + 1;
    // triggers refuse deletes), and count(*) would read the whole log (1M entries) for every page.
    const unfiltered = countParams.action === null && countParams.actor === null && countParams.fromTs === null && countParams.toTs === null;
    const n = unfiltered ? (this.head()?.seq ?? 0) : (stmts.count.get(countParams) as { n: number }).n;
    const capped = !unfiltered && n > AUDIT_COUNT_CAP;
    const last = rows[rows.length - 1];
    return {
      entries: rows.map(rowToEntry),
      total: capped ? AUDIT_COUNT_CAP : n,
      totalCapped: capped,
      nextBeforeSeq: rows.length === f.limit && last ? last.seq : null,
    };
  }

  /**
   * The list and count statements for the filters present. A catch-all `(:x IS NULL OR x = :x)`
   * filter cannot use an index (SQLite plans once, for any value), so a search by action walked the
   * whole log by seq (0.6–0.8 s at 1M entries). Each combination gets its own statement, made of
   * fixed fragments with values as parameters (named parameters it does not use are ignored), so
   * `action = ? AND seq < ? ORDER BY seq DESC` seeks audit_log_action(action, seq) — a deep page too.
   * At most 16 combinations, prepared once each.
   */
  private filterStatements(p: { action: string | null; actor: string | null; fromTs: string | null; toTs: string | null }): {
    list: Statement;
    count: Statement;
    after: Statement;
  } {
    const key = (p.action !== null ? 1 : 0) | (p.actor !== null ? 2 : 0) | (p.fromTs !== null ? 4 : 0) | (p.toTs !== null ? 8 : 0);
    let s = this.filterStmts.get(key);
    if (!s) {
      const where = ['1 = 1'];
      if (key & 1) where.push('action = :action');
      if (key & 2) where.push('actor = :actor');
      if (key & 4) where.push('ts >= :fromTs');
      if (key & 8) where.push('ts <= :toTs');
      const filter = where.join(' AND ');
      s = {
        // Counted up to one past the cap: a filter matching 1M entries would otherwise count them all
        // (≈1.5 s) for every page; past the cap the view says "10,000+".
        count: this.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM audit_log WHERE ${filter} LIMIT ${AUDIT_COUNT_CAP + 1})`),
        list: this.db.prepare(`SELECT * FROM audit_log WHERE ${filter} ORDER BY seq DESC LIMIT :limit`),
        after: this.db.prepare(`SELECT * FROM audit_log WHERE ${filter} AND seq < :beforeSeq ORDER BY seq DESC LIMIT :limit`),
      };
      this.filterStmts.set(key, s);
    }
    return s;
  }

  facets(): { actions: string[]; actors: string[] } {
    const pluck = (sql: string) => this.db.prepare(sql).pluck().all() as string[];
    // A skip scan: one index seek per distinct value (audit_log_action / audit_log_actor), instead of
    // DISTINCT walking the whole index (every entry of the log). Same values, same order.
    const distinct = (col: 'action' | 'actor') =>
      pluck(
        `WITH RECURSIVE v(x) AS (SELECT min(${col}) FROM audit_log
           UNION ALL SELECT (SELECT min(${col}) FROM audit_log WHERE ${col} > v.x) FROM v WHERE v.x IS NOT NULL)
         SELECT x FROM v WHERE x IS NOT NULL`,
      );
    return { actions: distinct('action'), actors: distinct('actor') };
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number) ?? 0;
  }

  /**
   * Recompute the chain from genesis. Reports the first entry that is wrong and why. `knownHead`
   * (from the last verification, a server checkpoint, or the caller) detects a truncated tail.
   */
  verify(knownHead: AuditHead | readonly AuditHead[] | null, nowIso: string): AuditVerifyResult {
    const v = this.verifier(knownHead);
    while (!v.step(PAGE_ROWS));
    return v.result(nowIso);
  }

  /**
   * A verifier that reads the chain in chunks (`step(n)` checks up to n rows, true when done), so a
   * caller can yield between chunks and report progress while appends continue. Rows appended after
   * it starts are outside this run.
   */
  verifier(knownHead: AuditHead | readonly AuditHead[] | null, scopeSeq: number = this.head()?.seq ?? 0): ChainVerifier {
    const heads = knownHead === null ? [] : Array.isArray(knownHead) ? knownHead : [knownHead as AuditHead];
    return new ChainVerifier(
      this.chunkStmt,
      scopeSeq,
      heads.filter((h) => h.seq > 0),
    );
  }

  recordVerification(r: AuditVerifyResult): void {
    this.insertVerStmt.run(
      r.verifiedAt,
      r.valid ? 1 : 0,
      r.checked,
      r.head?.seq ?? null,
      r.head?.hash ?? null,
      r.firstBad?.seq ?? null,
      r.firstBad?.reason ?? null,
      r.durationMs,
    );
  }

  /** Latest verification, and the highest head ever verified valid (the local known head). */
  lastVerification(): { verifiedAt: string; valid: boolean; checked: number; badSeq: number | null; badReason: string | null } | null {
    const r = this.lastVerStmt.get() as { verified_at: string; valid: number; checked: number; bad_seq: number | null; bad_reason: string | null } | undefined;
    return r ? { verifiedAt: r.verified_at, valid: r.valid === 1, checked: r.checked, badSeq: r.bad_seq, badReason: r.bad_reason } : null;
  }

  bestVerifiedHead(): AuditHead | null {
    const r = this.db
      .prepare('SELECT head_seq AS seq, head_hash AS hash FROM audit_verifications WHERE valid = 1 AND head_seq IS NOT NULL ORDER BY head_seq DESC LIMIT 1')
      .get() as AuditHead | undefined;
    return r ?? null;
  }
}
