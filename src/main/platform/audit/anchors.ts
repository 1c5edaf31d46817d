// Reads of the audit log and its server anchors that sync and the disclosure pack need: what to
// anchor next, the countersigned checkpoints the server sent back, and a run's raw entries.
import type { Db } from '../db/connection';

/** The newest anchor the server countersigned. */
export interface AuditAnchor {
  seq: number;
  head: string;
  time: string;
}

/** An entry as stored: `payload` is its canonical JSON text. */
export interface RawAuditEntry {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface AuditAnchorQueries {
  /** The newest countersigned anchor, or null before the first. */
  lastAnchor(): AuditAnchor | null;
  /** The newest stored checkpoint (the server's signed JSON), or null. */
  lastCheckpoint(): string | null;
  /** Store a verified server checkpoint (an anchor already stored at that seq is kept). */
  storeCheckpoint(c: { seq: number; head: string; serverSeq: number; time: string }, checkpointJson: string): void;
  /** Chain links after `afterSeq`, oldest first, at most `limit`. */
  linksAfter(afterSeq: number, limit: number): { seq: number; prevHash: string; hash: string }[];
  /** Every entry hash, in order. */
  allHashes(): string[];
  /** The entries about one subject, in order, as stored. */
  rawEntriesFor(subject: string): RawAuditEntry[];
}

export function auditAnchorQueries(db: Db): AuditAnchorQueries {
  const last = db.prepare('SELECT seq, head, time FROM audit_anchors ORDER BY seq DESC LIMIT 1');
  const lastCp = db.prepare('SELECT checkpoint FROM audit_anchors ORDER BY seq DESC LIMIT 1').pluck();
  const put = db.prepare('INSERT INTO audit_anchors (seq, head, server_seq, time, checkpoint) VALUES (?, ?, ?, ?, ?) ON CONFLICT(seq) DO NOTHING');
  const links = db.prepare('SELECT seq, prev_hash AS prevHash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const hashes = db.prepare('SELECT hash FROM audit_log ORDER BY seq').pluck();
  const bySubject = db.prepare('SELECT seq, ts, actor, action, subject, payload, prev_hash, hash FROM audit_log WHERE subject = ? ORDER BY seq');
  return {
    lastAnchor: () => (last.get() as AuditAnchor | undefined) ?? null,
    lastCheckpoint: () => (lastCp.get() as string | undefined) ?? null,
    storeCheckpoint: (c, json) => void put.run(c.seq, c.head, c.serverSeq, c.time, json),
    linksAfter: (afterSeq, limit) => links.all(afterSeq, limit) as { seq: number; prevHash: string; hash: string }[],
    allHashes: () => hashes.all() as string[],
    rawEntriesFor: (subject) => bySubject.all(subject) as RawAuditEntry[],
  };
}
