// Audit anchoring: a device sends the hashes of its audit entries since its last anchored head;
// the server keeps them, so a device can later neither rewrite nor drop anchored history without
// it showing. Pure decision logic; the route does the I/O.
import type { AuditAnchorWire } from '../../shared/sync/protocol';
import { type AuditHashRow } from '../storage/types';

export type AnchorDecision =
  | { kind: 'ok'; newEntries: AuditHashRow[]; head: { seq: number; hash: string } }
  | { kind: 'broken'; message: string }
  /** The device claims a different hash for a seq it already anchored: two histories exist. */
  | { kind: 'equivocation'; seq: number; storedHash: string; claimedHash: string; stored: AuditHashRow };

/** Seqs at or below the anchored head that the decision needs stored hashes for. */
export function overlapRange(anchor: AuditAnchorWire, anchoredSeq: number): { from: number; to: number } | null {
  // A loop, not Math.min(...): an anchor may carry 100k entries, too many for spread arguments.
  let from = Infinity;
  let to = -Infinity;
  for (const s of anchor.entries.map((e) => e.seq).concat(anchor.head.seq)) {
    if (s < 1 || s > anchoredSeq) continue;
    from = Math.min(from, s);
    to = Math.max(to, s);
  }
  return to >= from ? { from, to } : null;
}

export function judgeAnchor(anchor: AuditAnchorWire, anchored: { seq: number; hash: string }, stored: ReadonlyMap<number, AuditHashRow>): AnchorDecision {
  const { entries, head } = anchor;

  // Equivocation first: a conflicting hash for an anchored seq is evidence no matter what else is wrong.
  const claims = entries.map((e) => ({ seq: e.seq, hash: e.hash })).concat(head);
  for (const claim of claims) {
    if (claim.seq < 1 || claim.seq > anchored.seq) continue;
    const s = stored.get(claim.seq);
    if (s && s.hash !== claim.hash) return { kind: 'equivocation', seq: claim.seq, storedHash: s.hash, claimedHash: claim.hash, stored: s };
  }

  if (entries.length === 0) {
    return head.seq === anchored.seq && head.hash === anchored.hash
      ? { kind: 'ok', newEntries: [], head }
      : { kind: 'broken', message: `With no entries the head must be the anchored head (seq ${anchored.seq})` };
  }

  const first = entries[0]!;
  if (first.seq > anchored.seq + 1) return { kind: 'broken', message: `Entries start at seq ${first.seq}; expected ${anchored.seq + 1}` };
  if (first.seq === anchored.seq + 1) {
    if (first.prevHash !== anchored.hash) return { kind: 'broken', message: `Entry ${first.seq} does not link to the anchored head` };
  } else {
    // Overlap with already anchored history: must be exactly what was anchored (hash checked above).
    const s = stored.get(first.seq);
    if (!s || s.prevHash !== first.prevHash) return { kind: 'broken', message: `Entry ${first.seq} does not match the anchored history` };
  }
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1]!;
    const e = entries[i]!;
    if (e.seq !== prev.seq + 1) return { kind: 'broken', message: `Entry seq ${e.seq} follows ${prev.seq}` };
    if (e.prevHash !== prev.hash) return { kind: 'broken', message: `Entry ${e.seq} does not link to entry ${prev.seq}` };
    if (e.seq <= anchored.seq && !stored.has(e.seq)) return { kind: 'broken', message: `Entry ${e.seq} is not in the anchored history` };
  }
  const last = entries[entries.length - 1]!;
  if (head.seq !== last.seq || head.hash !== last.hash) return { kind: 'broken', message: 'Head is not the last entry' };
  // A head behind the anchored one means the device's log shrank (a restore or a rollback).
  if (head.seq < anchored.seq) return { kind: 'broken', message: `Head seq ${head.seq} is behind the anchored head (seq ${anchored.seq})` };
  return { kind: 'ok', newEntries: entries.filter((e) => e.seq > anchored.seq), head };
}
