// Verification of the audit hash chain, a page of rows at a time (docs/decisions/0002-audit-chain.md).
// A page is PAGE_ROWS raw (array) rows: small enough that a long log (a year is ~1M entries) is never
// held in memory and each page's arrays die young (pages of 100k rows cost ~2x the time in GC), and
// a caller that yields between pages keeps the event loop free (index.ts verifyWithProgress).
import { hash as oneShotHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { auditEntryCanonicalOf, GENESIS_PREV_HASH } from '../../../shared/audit-hash';
import type { AuditHead, AuditVerifyResult } from '../../../shared/api/types';

export const sha256Hex = (s: string): string => oneShotHash('sha256', s, 'hex');

/** Rows read per query; a step of more rows reads several pages. */
export const PAGE_ROWS = 4096;

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
    for (let left = maxRows; left > 0 && !this.done;) {
      const rows = this.chunkStmt.all(this.expectedSeq - 1, upTo, Math.min(left, PAGE_ROWS)) as RawRow[];
      for (let i = 0; i < rows.length; i++) {
        if (!this.check(rows[i]!)) {
          this.done = true;
          return true;
        }
      }
      left -= rows.length;
      if (rows.length === 0 || this.expectedSeq > upTo) this.finish();
    }
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
