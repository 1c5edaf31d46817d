import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { MemoryTree, verifyInclusion } from '../../../shared/merkle';
import { merkleHasher, nodeSha256 } from './merkle';
import { MerkleVerifyPool } from './merkle-pool';

const RESOURCES = fileURLToPath(new URL('../../../../resources', import.meta.url));

describe('MerkleVerifyPool', () => {
  it('agrees with verifyInclusion on every proof of a batch, on worker threads; tampered proofs fail', async () => {
    const h = merkleHasher();
    const tree = new MemoryTree(h);
    const n = 1000;
    for (let i = 0; i < n; i++) tree.appendLeafHash(h.leaf(nodeSha256(Buffer.from(`entry ${i}`))));
    const root = tree.root();
    const items = Array.from({ length: n }, (_, i) => ({ leafHash: tree.node(0, i), index: i, proof: tree.inclusionProof(i, n) }));
    // Every 7th item tampered: a flipped byte, a wrong index, a dropped node.
    const bad = items.map((it, i) => {
      if (i % 21 === 0) return { ...it, proof: it.proof.map((p, k) => (k === 0 ? Uint8Array.from(p, (b, j) => (j === 0 ? b ^ 1 : b)) : p)) };
      if (i % 21 === 7) return { ...it, index: (it.index + 1) % n };
      if (i % 21 === 14) return { ...it, proof: it.proof.slice(1) };
      return it;
    });
    const pool = new MerkleVerifyPool(RESOURCES, 2);
    const out = await pool.verify(h, n, root, bad);
    expect(out).toEqual(bad.map((it) => verifyInclusion(h, it.leafHash, it.index, n, it.proof, root)));
    expect(out.filter((v) => !v).length).toBe(Math.ceil(n / 7));
    expect((await pool.verify(h, n, root, items)).every(Boolean)).toBe(true);
    await pool.close();
  });
});
