import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, type AuditHashRow } from '../storage/types';
import { auditChain } from '../testing/device-client';
import { judgeAnchor, overlapRange } from './anchor';

const stored = (rows: AuditHashRow[]) => new Map(rows.map((r) => [r.seq, r]));

describe('judgeAnchor', () => {
  it('accepts a first anchor from genesis and returns only the new entries', () => {
    const a = auditChain(3, { seq: 0, hash: GENESIS_HASH });
    expect(judgeAnchor(a, { seq: 0, hash: GENESIS_HASH }, new Map())).toEqual({ kind: 'ok', newEntries: a.entries, head: a.head });
  });

  it('accepts an overlap that matches stored history, and flags one that does not', () => {
    const a = auditChain(3, { seq: 0, hash: GENESIS_HASH });
    const anchored = a.head;
    const more = auditChain(1, anchored);
    const overlap = { entries: [...a.entries.slice(1), ...more.entries], head: more.head };
    expect(judgeAnchor(overlap, anchored, stored(a.entries))).toMatchObject({ kind: 'ok', newEntries: more.entries });
    const forked = { entries: [{ ...a.entries[2]!, hash: 'f'.repeat(64) }], head: { seq: 3, hash: 'f'.repeat(64) } };
    expect(judgeAnchor(forked, anchored, stored(a.entries))).toMatchObject({ kind: 'equivocation', seq: 3, storedHash: a.entries[2]!.hash });
    // An empty anchor whose head contradicts the anchored hash is equivocation too.
    expect(judgeAnchor({ entries: [], head: { seq: 3, hash: 'e'.repeat(64) } }, anchored, stored(a.entries))).toMatchObject({ kind: 'equivocation' });
  });

  it('reports broken links', () => {
    const anchored = { seq: 0, hash: GENESIS_HASH };
    const a = auditChain(2, anchored);
    expect(judgeAnchor({ entries: a.entries, head: { seq: 2, hash: 'a'.repeat(64) } }, anchored, new Map()).kind).toBe('broken');
    expect(judgeAnchor({ entries: [a.entries[1]!], head: a.head }, anchored, new Map()).kind).toBe('broken');
    expect(judgeAnchor({ entries: [a.entries[0]!, { ...a.entries[1]!, seq: 3 }], head: { seq: 3, hash: a.head.hash } }, anchored, new Map()).kind).toBe(
      'broken',
    );
  });

  it('overlapRange covers only anchored seqs and copes with 100k entries', () => {
    const a = auditChain(100_000, { seq: 0, hash: GENESIS_HASH });
    expect(overlapRange(a, 50)).toEqual({ from: 1, to: 50 });
    expect(overlapRange(a, 0)).toBeNull();
  });
});
