// The byte layout hashed for an audit entry. Shared so the device, the server (anchoring, later) and
// auditors compute the same bytes. Pure: the caller supplies the SHA-256 function.
// For well-formed strings RFC 8785 string escaping is exactly ECMAScript JSON.stringify; entries are
// checked with canonicalJson when written, so verification can take the fast path.
const str = (s: string): string => JSON.stringify(s);

export interface AuditEntryBody {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: unknown;
  prevHash: string;
}

export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Canonical bytes of an entry (seq an integer), given the payload's canonical JSON text (as stored). */
export function auditEntryCanonical(e: Omit<AuditEntryBody, 'payload'>, payloadCanonical: string): string {
  return auditEntryCanonicalOf(e.seq, e.ts, e.actor, e.action, e.subject, e.prevHash, payloadCanonical);
}

/**
 * Positional form for the verification hot loop (no object per row). RFC 8785 orders keys by UTF-16
 * code units: action, actor, payload, prevHash, seq, subject, ts. Splicing the stored canonical
 * payload avoids re-serialising it; a test proves the result equals canonicalJson(entry).
 */
export function auditEntryCanonicalOf(
  seq: number,
  ts: string,
  actor: string,
  action: string,
  subject: string,
  prevHash: string,
  payloadCanonical: string,
): string {
  return (
    '{"action":' +
    str(action) +
    ',"actor":' +
    str(actor) +
    ',"payload":' +
    payloadCanonical +
    ',"prevHash":' +
    str(prevHash) +
    ',"seq":' +
    String(seq) +
    ',"subject":' +
    str(subject) +
    ',"ts":' +
    str(ts) +
    '}'
  );
}
