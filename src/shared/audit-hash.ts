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
  // RFC 8785 orders keys by UTF-16 code units: action, actor, payload, prevHash, seq, subject, ts.
  // Splicing the stored canonical payload keeps verification at one string build per row; a test
  // proves it equals canonicalJson(entry) for arbitrary entries.
  return (
    '{"action":' + str(e.action) +
    ',"actor":' + str(e.actor) +
    ',"payload":' + payloadCanonical +
    ',"prevHash":' + str(e.prevHash) +
    ',"seq":' + String(e.seq) +
    ',"subject":' + str(e.subject) +
    ',"ts":' + str(e.ts) +
    '}'
  );
}
