import { hash as oneShotHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/connection';
import { assertWellFormed, canonicalJson } from '../../../shared/canonical';
import { auditEntryCanonical, auditEntryCanonicalOf, GENESIS_PREV_HASH } from '../../../shared/audit-hash';
import type { AuditEntry, AuditHead, AuditVerifyResult } from '../../../shared/api/types';

export const sha256Hex = (s: string): string => oneShotHash('sha256', s, 'hex');

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
  private readonly countStmt;
  private readonly listStmt;
  private readonly chunkStmt: Statement;
  private readonly lastVerStmt;
  private readonly insertVerStmt;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO audit_log (seq, ts, actor, action, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.headStmt = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.getStmt = db.prepare('SELECT * FROM audit_log WHERE seq = ?');
    const filter = `(:action IS NULL OR action = :action)
        AND (:actor IS NULL OR actor = :actor)
        AND (:fromTs IS NULL OR ts >= :fromTs)
        AND (:toTs IS NULL OR ts <= :toTs)`;
    this.countStmt = db.prepare(`SELECT count(*) AS n FROM audit_log WHERE ${filter}`);
    this.listStmt = db.prepare(`SELECT * FROM audit_log WHERE (:beforeSeq IS NULL OR seq < :beforeSeq) AND ${filter} ORDER BY seq DESC LIMIT :limit`);
    // Raw (array) rows: verification reads every row, and arrays are much cheaper than objects.
    this.chunkStmt = db
      .prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash, hash FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq ASC LIMIT ?')
      .raw(true);
    this.lastVerStmt = db.prepare('SELECT * FROM audit_verifications ORDER BY id DESC LIMIT 1');
    this.insertVerStmt = db.prepare(
      `INSERT INTO audit_verifications (verified_at, valid, checked, head_seq, head_hash, bad_seq, bad_reason, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  head(): AuditHead | null {
    const r = this.headStmt.get() as { seq: number; hash: string } | undefined;
    return r ? { seq: r.seq, hash: r.hash } : null;
  }

  /**
   * Append entries in the caller's transaction (or its own). Canonicalisation errors (NaN,
   * lone surrogates…) throw before anything is written.
   */
  appendMany(entries: NewAuditEntry[], ts: string): AuditEntry[] {
    // Fields are hashed with a fast path that assumes well-formed strings: check them here.
    assertWellFormed(ts, 'ts');
    const prepared = entries.map((e) => {
      const subject = e.subject ?? '';
      assertWellFormed(e.actor, 'actor');
      assertWellFormed(e.action, 'action');
      assertWellFormed(subject, 'subject');
      return { actor: e.actor, action: e.action, subject, payload: e.payload, payloadCanonical: canonicalJson(e.payload) };
    });
    return this.db.transaction(() => {
      const h = this.head();
      let seq = h ? h.seq : 0;
      let prev = h ? h.hash : GENESIS_PREV_HASH;
      const out: AuditEntry[] = [];
      for (const p of prepared) {
        seq += 1;
        const body = { seq, ts, actor: p.actor, action: p.action, subject: p.subject, prevHash: prev };
        const hash = sha256Hex(auditEntryCanonical(body, p.payloadCanonical));
        this.insert.run(seq, ts, p.actor, p.action, p.subject, p.payloadCanonical, prev, hash);
        out.push({ ...body, payload: p.payload, hash });
        prev = hash;
      }
      return out;
    })();
  }

  get(seq: number): AuditEntry | null {
    const r = this.getStmt.get(seq) as Row | undefined;
    return r ? rowToEntry(r) : null;
  }

  list(f: ListFilter): { entries: AuditEntry[]; total: number; nextBeforeSeq: number | null } {
    const params = {
      beforeSeq: f.beforeSeq ?? null,
      action: f.action ?? null,
      actor: f.actor ?? null,
      fromTs: f.fromTs ?? null,
      toTs: f.toTs ?? null,
    };
    const rows = this.listStmt.all({ ...params, limit: f.limit }) as Row[];
    const { beforeSeq: _ignored, ...countParams } = params;
    const { n } = this.countStmt.get(countParams) as { n: number };
    const last = rows[rows.length - 1];
    return {
      entries: rows.map(rowToEntry),
      total: n,
      nextBeforeSeq: rows.length === f.limit && last ? last.seq : null,
    };
  }

  facets(): { actions: string[]; actors: string[] } {
    const pluck = (sql: string) => this.db.prepare(sql).pluck().all() as string[];
    return {
      actions: pluck('SELECT DISTINCT action FROM audit_log ORDER BY action'),
      actors: pluck('SELECT DISTINCT actor FROM audit_log ORDER BY actor'),
    };
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
    while (!v.step(Number.MAX_SAFE_INTEGER));
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

type RawRow = [number, string, string, string, string, string, string, string];

export class ChainVerifier {
  private expectedSeq = 1;
  private prev = GENESIS_PREV_HASH;
  private checkedRows = 0;
  private readonly byseq: Map<number, string>;
  private readonly highestKnown: number;
  private firstBad: AuditVerifyResult['firstBad'] = null;
  private headSeen: AuditHead | null = null;
  private done = false;
  private readonly started = performance.now();

  constructor(
    private readonly chunkStmt: Statement,
    /** Last seq when the run started: the run's scope. */
    readonly total: number,
    /** Heads known to have existed (a sealed server anchor, a previous verification, the caller's): each must match. */
    knownHeads: readonly AuditHead[],
  ) {
    this.byseq = new Map(knownHeads.map((h) => [h.seq, h.hash]));
    this.highestKnown = Math.max(0, ...knownHeads.map((h) => h.seq));
  }

  get checked(): number {
    return this.checkedRows;
  }

  step(maxRows: number): boolean {
    if (this.done) return true;
    // The scope is extended to the known head, so rows missing below it show as a truncated tail.
    const upTo = Math.max(this.total, this.highestKnown);
    const rows = this.chunkStmt.all(this.expectedSeq - 1, upTo, Math.min(maxRows, 100_000)) as RawRow[];
    for (const r of rows) {
      if (!this.check(r)) {
        this.done = true;
        return true;
      }
    }
    if (rows.length === 0 || this.expectedSeq > upTo) this.finish();
    return this.done;
  }

  private check(raw: RawRow): boolean {
    const [seq, ts, actor, action, subject, payload, prevHash, hash] = raw;
    if (typeof seq !== 'number' || typeof payload !== 'string' || typeof hash !== 'string' || typeof prevHash !== 'string') {
      this.firstBad = { seq: Number(seq), reason: 'malformed_row', message: 'row has columns of the wrong type' };
      return false;
    }
    if (seq !== this.expectedSeq) {
      this.firstBad = {
        seq: this.expectedSeq,
        reason: 'seq_gap',
        message: `expected seq ${this.expectedSeq}, found ${seq}: entries ${this.expectedSeq}…${seq - 1} are missing`,
      };
      return false;
    }
    if (prevHash !== this.prev) {
      this.firstBad = { seq, reason: 'link_broken', message: `prevHash does not match the hash of entry ${seq - 1}` };
      return false;
    }
    if (sha256Hex(auditEntryCanonicalOf(seq, ts, actor, action, subject, prevHash, payload)) !== hash) {
      this.firstBad = { seq, reason: 'payload_altered', message: 'stored content no longer matches its hash' };
      return false;
    }
    const known = this.byseq.get(seq);
    if (known !== undefined && hash !== known) {
      this.firstBad = { seq, reason: 'link_broken', message: 'entry differs from the known head: history was rewritten' };
      return false;
    }
    this.prev = hash;
    this.headSeen = { seq, hash };
    this.checkedRows += 1;
    this.expectedSeq += 1;
    return true;
  }

  private finish(): void {
    this.done = true;
    const last = this.headSeen?.seq ?? 0;
    if (!this.firstBad && last < this.highestKnown) {
      this.firstBad = {
        seq: last + 1,
        reason: 'truncated_tail',
        message: `log ends at seq ${last} but entry ${this.highestKnown} was known to exist`,
      };
    }
  }

  result(nowIso: string): AuditVerifyResult {
    return {
      valid: this.firstBad === null,
      checked: this.checkedRows,
      head: this.headSeen,
      firstBad: this.firstBad,
      verifiedAt: nowIso,
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
    };
  }
}
