import { describe, expect, it } from 'vitest';
import { appendToFrontier, bytesEqual, frontierRoot, MemoryTree, rootOf } from '../../../shared/merkle';
import { merkleHasher, nodeSha256 } from './merkle';

describe('Merkle frontier (what the server keeps per device to countersign tree heads)', () => {
  it('gives the RFC 9162 root of every size 0..300, with one subtree per 1 bit of the size', () => {
    const h = merkleHasher();
    const leaves: Uint8Array[] = [];
    let f: Uint8Array[] = [];
    expect(bytesEqual(frontierRoot(h, f), h.emptyRoot())).toBe(true);
    for (let n = 0; n < 300; n++) {
      const leaf = h.leaf(nodeSha256(Buffer.from(`entry ${n}`)));
      leaves.push(leaf);
      f = appendToFrontier(h, f, n, leaf);
      expect(f.length).toBe(
        (n + 1)
          .toString(2)
          .split('')
          .filter((b) => b === '1').length,
      );
      expect(bytesEqual(frontierRoot(h, f), rootOf(h, leaves))).toBe(true);
    }
    const t = new MemoryTree(h);
    for (const l of leaves) t.appendLeafHash(l);
    expect(bytesEqual(frontierRoot(h, f), t.root())).toBe(true);
  });
});
