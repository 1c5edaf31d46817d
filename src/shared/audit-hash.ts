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

/**
 * Hashes a run of chained entries written together (one `ts`; each entry's prevHash the hash of the
 * one before, the first's `prevHash`): returns a function taking the next entry and giving its hash,
 * SHA-256 of exactly the bytes auditEntryCanonicalOf gives. The JSON forms of what repeats are made
 * once: the ts, the action and actor while they stay the same, the subject likewise. `sha256Hex`
 * must return a hex digest: JSON writes such a string as it is, so the next prevHash is quoted
 * without escaping (the first goes through JSON.stringify like any other string).
 */
export function auditChainHasher(
  ts: string,
  prevHash: string,
  sha256Hex: (bytes: string) => string,
): (seq: number, actor: string, action: string, subject: string, payloadCanonical: string) => string {
  const tail = ',"ts":' + str(ts) + '}';
  let prevJson = str(prevHash);
  let lastAction: string | null = null;
  let lastActor: string | null = null;
  let head = '';
  let lastSubject: string | null = null;
  let subjectJson = '';
  return (seq, actor, action, subject, payloadCanonical) => {
    if (action !== lastAction || actor !== lastActor) {
      head = '{"action":' + str(action) + ',"actor":' + str(actor) + ',"payload":';
      lastAction = action;
      lastActor = actor;
    }
    if (subject !== lastSubject) {
      subjectJson = str(subject);
      lastSubject = subject;
    }
    const hash = sha256Hex(head + payloadCanonical + ',"prevHash":' + prevJson + ',"seq":' + String(seq) + ',"subject":' + subjectJson + tail);
    prevJson = '"' + hash + '"';
    return hash;
  };
}
