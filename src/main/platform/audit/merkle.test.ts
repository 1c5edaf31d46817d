import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/connection';
import { AuditStore } from './audit-store';
import { AuditMerkle, auditLeafHash, merkleHasher } from './merkle';
import { fromHex, MemoryTree, toHex, verifyConsistency, verifyInclusion } from '../../../shared/merkle';

function seeded(n: number) {
  const db = openDatabase(':memory:');
  const store = new AuditStore(db);
  const append = (k: number) =>
    store.appendMany(
      Array.from({ length: k }, (_, i) => ({ actor: 'user:a', action: 'note.added', payload: { i } })),
      '2026-11-01T08:00:00.000Z',
    );
  if (n > 0) append(n);
  return { db, store, append, merkle: new AuditMerkle(db) };
}

/** Reference: every entry's leaf hash in an in-memory tree. */
function reference(db: ReturnType<typeof openDatabase>) {
  const h = merkleHasher();
  const tree = new MemoryTree(h);
  for (const x of db.prepare('SELECT hash FROM audit_log ORDER BY seq').pluck().all() as string[]) tree.appendLeafHash(auditLeafHash(h, x));
  return { h, tree };
}

describe('device audit Merkle tree', () => {
  it('roots for every size equal the in-memory tree; nodes stored only at level ≥ 4', () => {
    const { db, merkle } = seeded(300);
    const { tree } = reference(db);
    for (let n = 0; n <= 300; n++) expect(merkle.root(n)).toBe(toHex(tree.root(n)));
    expect(merkle.builtLeaves()).toBe(288);
    expect(db.prepare('SELECT min(level) FROM audit_merkle_nodes').pluck().get()).toBe(4);
    expect(merkle.root()).toBe(merkle.root(300));
  });

  it('inclusion proofs (seq is 1-based, index = seq − 1) verify for every entry at several sizes', () => {
    const { db, merkle } = seeded(300);
    const { h, tree } = reference(db);
    for (const size of [1, 15, 16, 17, 100, 256, 257, 300]) {
      for (let seq = 1; seq <= size; seq++) {
        const r = merkle.inclusion(seq, size);
        expect(r.index).toBe(seq - 1);
        expect(r.proof).toEqual(tree.inclusionProof(seq - 1, size).map(toHex));
        expect(verifyInclusion(h, auditLeafHash(h, r.entryHash), r.index, size, r.proof.map(fromHex), fromHex(r.root))).toBe(true);
      }
    }
    expect(() => merkle.inclusion(0)).toThrow(RangeError);
    expect(() => merkle.inclusion(301)).toThrow(RangeError);
    expect(() => merkle.inclusion(1, 301)).toThrow(RangeError);
  });

  it('consistency proofs verify between sizes', () => {
    const { db, merkle } = seeded(300);
    const { h, tree } = reference(db);
    for (const n of [1, 16, 33, 64, 200, 300]) {
      for (let m = 0; m <= n; m += 7) {
        const r = merkle.consistency(m, n);
        expect(r.proof).toEqual(tree.consistencyProof(m, n).map(toHex));
        expect(verifyConsistency(h, m, n, fromHex(r.rootM), fromHex(r.rootN), r.proof.map(fromHex))).toBe(true);
      }
    }
  });

  it('catches up incrementally as the log grows, and backfills a log written before any node', () => {
    const { db, merkle, append } = seeded(5);
    const roots: string[] = [];
    for (const k of [3, 20, 1, 40, 100, 7]) {
      append(k);
      roots.push(merkle.root());
    }
    const { tree } = reference(db);
    const sizes = [8, 28, 29, 69, 169, 176];
    expect(roots).toEqual(sizes.map((s) => toHex(tree.root(s))));
    // Backfill: drop every stored node (as a log migrated from version 8 has none) and recompute.
    db.exec('DELETE FROM audit_merkle_nodes');
    const fresh = new AuditMerkle(db);
    expect(fresh.builtLeaves()).toBe(0);
    expect(sizes.map((s) => fresh.root(s))).toEqual(roots);
    expect(fresh.builtLeaves()).toBe(176);
  });
});
