// The server's audit chain (issue 18): every server_audit row carries prev_hash and hash, hashed
// over the same canonical bytes as the device's audit log (shared/audit-hash.ts). Rows written
// before the chain existed (or by a server that does not know it) have no hash and cannot be
// updated (append-only triggers); the next chained row seals them instead: its payload holds their
// count, seq range and a digest that chains them as if they had been chained. This module is the
// backend-independent part: the bytes, the seal digest and the verifier; the writers live in
// audit-chain-postgres.ts / audit-chain-sqlite.ts, the command in cli/verify-audit.ts.
import { sha256Hex } from '../../platform/hash';
import { auditEntryCanonicalOf, GENESIS_PREV_HASH } from '../../shared/audit-hash';
import { canonicalJson } from '../../shared/canonical';

/** First seal (it starts the chain) and any later one (rows from a server without the chain). */
export const SEAL_STARTED = 'audit.chain.started';
const SEAL_LATER = 'audit.chain.sealed';

/** One server_audit row as read back: payload as JSON text, ts as ISO text, hashes null before the chain. */
export interface AuditRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prevHash: string | null;
  hash: string | null;
}

export class AuditPayloadError extends Error {
  override name = 'AuditPayloadError';
}

/**
 * The canonical JSON of a stored payload. A value RFC 8785 cannot represent (a lone surrogate) is
 * hashed as the JSON string of its text, so such a payload can still be written and verified; text
 * that is not JSON at all was not written by the server (AuditPayloadError).
 */
export function payloadCanonical(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AuditPayloadError('payload is not JSON');
  }
  try {
    return canonicalJson(value);
  } catch {
    return JSON.stringify(text);
  }
}

/** The row's hash when it links to `prevHash`. Throws AuditPayloadError for a payload that is not JSON. */
export function rowHash(r: Omit<AuditRow, 'prevHash' | 'hash'>, prevHash: string): string {
  return sha256Hex(auditEntryCanonicalOf(r.seq, r.ts, r.actor, r.action, r.subject, prevHash, payloadCanonical(r.payload)));
}

/** What a seal row's payload records about the unchained rows right before it. */
export interface SealPayload {
  rows: number;
  fromSeq: number | null;
  toSeq: number | null;
  digest: string;
}

/** Digest of unchained rows in seq order: the rows chained from genesis (payloads that are not JSON hashed as text). */
export class SealDigest {
  private d = GENESIS_PREV_HASH;
  private n = 0;
  private first: number | null = null;
  private last: number | null = null;

  add(r: AuditRow): void {
    let payload: string;
    try {
      payload = payloadCanonical(r.payload);
    } catch {
      payload = JSON.stringify(r.payload);
    }
    this.d = sha256Hex(auditEntryCanonicalOf(r.seq, r.ts, r.actor, r.action, r.subject, this.d, payload));
    this.n += 1;
    this.first ??= r.seq;
    this.last = r.seq;
  }

  get count(): number {
    return this.n;
  }

  payload(): SealPayload {
    return { rows: this.n, fromSeq: this.first, toSeq: this.last, digest: this.d };
  }
}

/** The seal row's action and payload (chain start when nothing is chained yet). */
export function sealEntry(digest: SealDigest, prevHash: string): { action: string; payload: SealPayload } {
  return { action: prevHash === GENESIS_PREV_HASH ? SEAL_STARTED : SEAL_LATER, payload: digest.payload() };
}

export type AuditFault = 'hash' | 'prev' | 'payload' | 'seal' | 'anchor';

export interface AuditBadRow {
  seq: number;
  fault: AuditFault;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  chained: number;
  sealed: number;
  head: { seq: number; hash: string } | null;
  /** Rows after the head written without the chain, not sealed yet (the next audited write seals them). */
  unsealed: SealPayload | null;
  firstBad: AuditBadRow | null;
}

/** A head recorded elsewhere earlier (seq and hash): the log must still hold exactly that row. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

const isSeal = (action: string): boolean => action === SEAL_STARTED || action === SEAL_LATER;

/** Walks rows in seq order (feed pages with push), stops at the first bad row. */
export class ChainVerifier {
  private prev = GENESIS_PREV_HASH;
  private prevSeq: number | null = null;
  private pending = new SealDigest();
  private rows = 0;
  private chained = 0;
  private sealed = 0;
  private head: AuditVerification['head'] = null;
  private bad: AuditBadRow | null = null;
  private anchorSeen = false;

  constructor(private readonly anchor: AuditAnchor | null = null) {}

  /** False once a bad row was found (stop reading). */
  push(r: AuditRow): boolean {
    if (this.bad) return false;
    this.rows += 1;
    this.bad = this.check(r);
    return this.bad === null;
  }

  private check(r: AuditRow): AuditBadRow | null {
    if (this.anchor && r.seq === this.anchor.seq) {
      this.anchorSeen = true;
      if (r.hash !== this.anchor.hash)
        return { seq: r.seq, fault: 'anchor', message: `hash differs from the anchor ${this.anchor.hash}: history was rewritten` };
    }
    if (r.hash === null) {
      if (r.prevHash !== null) return { seq: r.seq, fault: 'hash', message: 'row has a prev_hash but no hash' };
      this.pending.add(r);
      return null;
    }
    if (r.prevHash !== this.prev) {
      const after = this.prevSeq === null ? 'genesis (the chain starts here)' : `the hash of seq ${this.prevSeq}`;
      return { seq: r.seq, fault: 'prev', message: `prev_hash does not match ${after}: a row before it was removed, inserted or moved` };
    }
    let hash: string;
    try {
      hash = rowHash(r, r.prevHash);
    } catch (err) {
      return { seq: r.seq, fault: 'payload', message: (err as Error).message };
    }
    if (hash !== r.hash) return { seq: r.seq, fault: 'hash', message: 'the row no longer matches its hash: a field or the payload was changed' };
    const sealBad = this.checkSeal(r);
    if (sealBad) return sealBad;
    this.prev = r.hash;
    this.prevSeq = r.seq;
    this.head = { seq: r.seq, hash: r.hash };
    this.chained += 1;
    return null;
  }

  private checkSeal(r: AuditRow): AuditBadRow | null {
    const pending = this.pending.payload();
    if (!isSeal(r.action)) {
      if (pending.rows === 0) return null;
      return { seq: pending.fromSeq!, fault: 'hash', message: `row has no hash, and no seal covers it (seq ${pending.fromSeq}..${pending.toSeq})` };
    }
    const recorded = JSON.parse(r.payload) as Partial<SealPayload>;
    if (recorded.rows !== pending.rows || recorded.fromSeq !== pending.fromSeq || recorded.toSeq !== pending.toSeq || recorded.digest !== pending.digest) {
      return {
        seq: r.seq,
        fault: 'seal',
        message: `the unchained rows before it (sealed: ${recorded.rows} rows, seq ${recorded.fromSeq}..${recorded.toSeq}; found: ${pending.rows}, seq ${pending.fromSeq}..${pending.toSeq}) were changed, removed or added`,
      };
    }
    this.sealed += pending.rows;
    this.pending = new SealDigest();
    return null;
  }

  result(): AuditVerification {
    if (!this.bad && this.anchor && !this.anchorSeen) {
      this.bad = { seq: this.anchor.seq, fault: 'anchor', message: `the anchored row seq ${this.anchor.seq} is missing: the log was truncated or rewritten` };
    }
    return {
      ok: this.bad === null,
      rows: this.rows,
      chained: this.chained,
      sealed: this.sealed,
      head: this.head,
      unsealed: this.pending.count > 0 ? this.pending.payload() : null,
      firstBad: this.bad,
    };
  }
}

/** Reads rows with seq > afterSeq in seq order, at most `limit`. */
export type AuditPageReader = (afterSeq: number, limit: number) => Promise<AuditRow[]>;

export const VERIFY_PAGE_ROWS = 10_000;

/** Keyset walk over the whole table; onPage after every page (progress for big tables). */
export async function verifyAuditChain(
  read: AuditPageReader,
  opts: { anchor?: AuditAnchor | null; onPage?: (rows: number, lastSeq: number) => void; pageRows?: number } = {},
): Promise<AuditVerification> {
  const v = new ChainVerifier(opts.anchor ?? null);
  const limit = opts.pageRows ?? VERIFY_PAGE_ROWS;
  let after = 0;
  let seen = 0;
  for (;;) {
    const page = await read(after, limit);
    let going = true;
    for (const r of page) if (!(going = v.push(r))) break;
    seen += page.length;
    if (page.length > 0) after = page[page.length - 1]!.seq;
    opts.onPage?.(seen, after);
    if (!going || page.length < limit) return v.result();
  }
}
