// Audit anchoring: a device sends the hashes of its audit entries since its last anchored head;
// the server keeps them, so a device can later neither rewrite nor drop anchored history without
// it showing. Pure decision logic; the route does the I/O.
// A broken anchor says why as a message (`alerts.anchor.*`, decision 0030): the device raises it as an alert.
import { msg, type Message, type MessageParams } from '../../shared/messages';
import type { AuditAnchorWire } from '../../shared/sync/protocol';
import { type AuditHashRow } from '../storage/types';

export type AnchorDecision =
  | { kind: 'ok'; newEntries: AuditHashRow[]; head: { seq: number; hash: string } }
  | { kind: 'broken'; reason: Message }
  /** The device claims a different hash for a seq it already anchored: two histories exist. */
  | { kind: 'equivocation'; seq: number; storedHash: string; claimedHash: string; stored: AuditHashRow };

/** Seq numbers stay as they are written ("seq 1234", not "1,234"): they are identifiers, not amounts. */
const broken = (key: string, params: Record<string, string | number> = {}): AnchorDecision => {
  const p: MessageParams = {};
  for (const [k, v] of Object.entries(params)) p[k] = String(v);
  return { kind: 'broken', reason: msg(`alerts.anchor.${key}`, p) };
};

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
    return head.seq === anchored.seq && head.hash === anchored.hash ? { kind: 'ok', newEntries: [], head } : broken('empty_head', { seq: anchored.seq });
  }

  const first = entries[0]!;
  if (first.seq > anchored.seq + 1) return broken('starts_at', { seq: first.seq, expected: anchored.seq + 1 });
  if (first.seq === anchored.seq + 1) {
    if (first.prevHash !== anchored.hash) return broken('unlinked_head', { seq: first.seq });
  } else {
    // Overlap with already anchored history: must be exactly what was anchored (hash checked above).
    const s = stored.get(first.seq);
    if (!s || s.prevHash !== first.prevHash) return broken('history_mismatch', { seq: first.seq });
  }
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1]!;
    const e = entries[i]!;
    if (e.seq !== prev.seq + 1) return broken('seq_gap', { seq: e.seq, prev: prev.seq });
    if (e.prevHash !== prev.hash) return broken('unlinked', { seq: e.seq, prev: prev.seq });
    if (e.seq <= anchored.seq && !stored.has(e.seq)) return broken('not_anchored', { seq: e.seq });
  }
  const last = entries[entries.length - 1]!;
  if (head.seq !== last.seq || head.hash !== last.hash) return broken('head_not_last');
  // A head behind the anchored one means the device's log shrank (a restore or a rollback).
  if (head.seq < anchored.seq) return broken('head_behind', { seq: head.seq, anchored: anchored.seq });
  return { kind: 'ok', newEntries: entries.filter((e) => e.seq > anchored.seq), head };
}
