// The pure RFC 9162 algorithms of src/shared/merkle.ts, tested here because src/shared may not import node:crypto.
import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  arrayNodes,
  consistencyProof,
  fromHex,
  inclusionProof,
  MemoryTree,
  MerkleHasher,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '../../../shared/merkle';

const h = new MerkleHasher((b) => hash('sha256', b, 'buffer'));

// ---- Naive RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1, recursion exactly as written ----
const kOf = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return h.emptyRoot();
  if (d.length === 1) return d[0]!; // d holds leaf hashes already
  const k = kOf(d.length);
  return h.node(mth(d.slice(0, k)), mth(d.slice(k)));
}
function naivePath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = kOf(d.length);
  return m < k ? [...naivePath(m, d.slice(0, k)), mth(d.slice(k))] : [...naivePath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = kOf(n);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

function randomLeafHashes(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => h.leaf(hash('sha256', `entry-${seed}-${i}`, 'buffer')));
}
const hexes = (xs: Uint8Array[]) => xs.map(toHex);

// ---- RFC 6962 reference vectors (certificate-transparency / transparency-dev/merkle reference tests) ----
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION: { size: number; index: number; proof: string[] }[] = [
  { size: 1, index: 0, proof: [] },
  { size: 2, index: 0, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7'] },
  { size: 2, index: 1, proof: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'] },
  { size: 3, index: 2, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    size: 5,
    index: 1,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size: 8,
    index: 0,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size: 8,
    index: 5,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CT_CONSISTENCY: { m: number; n: number; proof: string[] }[] = [
  { m: 1, n: 1, proof: [] },
  {
    m: 1,
    n: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
];

describe('RFC 6962 reference vectors', () => {
  const leafHashes = CT_LEAVES.map((l) => h.leaf(l));

  it('hashes leaves with the 0x00 prefix and the empty tree as H("")', () => {
    expect(toHex(h.leaf(fromHex('')))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(toHex(h.leaf(fromHex('00')))).toBe('96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
    expect(toHex(h.emptyRoot())).toBe(CT_ROOTS[0]);
  });

  it('computes the reference roots for sizes 0..8 (array, memory tree, naive)', () => {
    const tree = new MemoryTree(h);
    expect(toHex(tree.root())).toBe(CT_ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      tree.appendLeafHash(leafHashes[n - 1]!);
      expect(toHex(rootOf(h, leafHashes, n))).toBe(CT_ROOTS[n]);
      expect(toHex(tree.root())).toBe(CT_ROOTS[n]);
      expect(toHex(mth(leafHashes.slice(0, n)))).toBe(CT_ROOTS[n]);
    }
  });

  it('generates and verifies the reference inclusion proofs', () => {
    for (const v of CT_INCLUSION) {
      const proof = inclusionProof(h, leafHashes.slice(0, v.size), v.index, v.size);
      expect(hexes(proof)).toEqual(v.proof);
      expect(verifyInclusion(h, leafHashes[v.index]!, v.index, v.size, v.proof.map(fromHex), fromHex(CT_ROOTS[v.size]!))).toBe(true);
    }
  });

  it('generates and verifies the reference consistency proofs', () => {
    for (const v of CT_CONSISTENCY) {
      expect(hexes(consistencyProof(h, leafHashes, v.m, v.n))).toEqual(v.proof);
      expect(verifyConsistency(h, v.m, v.n, fromHex(CT_ROOTS[v.m]!), fromHex(CT_ROOTS[v.n]!), v.proof.map(fromHex))).toBe(true);
    }
  });
});

describe('random trees against the naive RFC recursion', () => {
  const MAX = 300;
  const leaves = randomLeafHashes(MAX, 1);
  const tree = new MemoryTree(h);
  for (const l of leaves) tree.appendLeafHash(l);
  const roots = [h.emptyRoot()];
  for (let n = 1; n <= MAX; n++) roots.push(mth(leaves.slice(0, n)));

  it('roots agree for sizes 0..300', () => {
    for (let n = 0; n <= MAX; n++) {
      expect(toHex(tree.root(n))).toBe(toHex(roots[n]!));
    }
    expect(toHex(rootOf(h, leaves))).toBe(toHex(roots[MAX]!));
  });

  it('inclusion proofs: every index of every size 1..300 verifies; equal to PATH for sizes ≤ 96', () => {
    for (let n = 1; n <= MAX; n++) {
      const prefix = leaves.slice(0, n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        if (n <= 96) expect(hexes(proof)).toEqual(hexes(naivePath(i, prefix)));
        if (!verifyInclusion(h, leaves[i]!, i, n, proof, roots[n]!)) throw new Error(`inclusion ${i}/${n} did not verify`);
      }
    }
  });

  it('array-backed proofs equal memory-tree proofs', () => {
    const nodes = arrayNodes(h, leaves.slice(0, 77));
    for (let i = 0; i < 77; i += 5) expect(hexes(inclusionProof(h, nodes, i, 77))).toEqual(hexes(tree.inclusionProof(i, 77)));
    expect(hexes(consistencyProof(h, nodes, 13, 77))).toEqual(hexes(tree.consistencyProof(13, 77)));
  });

  it('consistency proofs: all (m, n) for n ≤ 64 equal PROOF; all m for n ≤ 300 verify', () => {
    for (let n = 1; n <= MAX; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        if (n <= 64 && m > 0 && m < n) expect(hexes(proof)).toEqual(hexes(subproof(m, leaves.slice(0, n), true)));
        if (!verifyConsistency(h, m, n, roots[m]!, roots[n]!, proof)) throw new Error(`consistency ${m}→${n} did not verify`);
      }
    }
  });

  it('tampered inclusion proofs fail: flipped byte, reordered path, wrong index/size/root, truncated, extended', () => {
    for (let n = 1; n <= 40; n++) {
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        const root = roots[n]!;
        const fail = (p: Uint8Array[], idx = i, size = n, r = root, leaf = leaves[i]!) =>
          expect(verifyInclusion(h, leaf, idx, size, p, r), `${i}/${n}`).toBe(false);
        for (let j = 0; j < proof.length; j++) {
          const p = proof.map((x) => Uint8Array.from(x));
          p[j]![j % 32]! ^= 0x01;
          fail(p);
        }
        if (proof.length >= 2) fail([proof[1]!, proof[0]!, ...proof.slice(2)]);
        if (proof.length >= 1) fail(proof.slice(0, -1));
        fail([...proof, roots[1]!]);
        if (n > 1) fail(proof, (i + 1) % n);
        // A wrong size with that size's root (with the right root, the path can fit several sizes).
        fail(proof, i, n + 1, roots[n + 1]!);
        if (n - 1 > i) fail(proof, i, n - 1, roots[n - 1]!);
        fail(proof, n); // index ≥ size
        fail(proof, -1);
        fail(proof, i, n, roots[n - 1]!);
        fail(proof, i, n, root, leaves[(i + 1) % MAX]!);
        fail([...proof.slice(0, -1), Uint8Array.from(proof[proof.length - 1] ?? root).subarray(1)]); // a short hash
      }
    }
  });

  it('tampered consistency proofs fail', () => {
    for (let n = 2; n <= 40; n++) {
      for (let m = 1; m < n; m++) {
        const proof = tree.consistencyProof(m, n);
        const fail = (p: Uint8Array[], mm = m, nn = n, rm = roots[m]!, rn = roots[n]!) =>
          expect(verifyConsistency(h, mm, nn, rm, rn, p), `${m}→${n}`).toBe(false);
        for (let j = 0; j < proof.length; j++) {
          const p = proof.map((x) => Uint8Array.from(x));
          p[j]![(j * 7) % 32]! ^= 0x80;
          fail(p);
        }
        if (proof.length >= 2) fail([proof[1]!, proof[0]!, ...proof.slice(2)]);
        fail(proof.slice(0, -1));
        fail([...proof, roots[1]!]);
        fail([]);
        fail(proof, m, n, roots[m === 1 ? 2 : m - 1]!);
        fail(proof, m, n, roots[m]!, roots[n - 1]!);
        if (m + 1 < n) fail(proof, m + 1, n, roots[m + 1]!);
        fail(proof, m, n + 1, roots[m]!, roots[n + 1]!);
      }
    }
    // Edge cases: m = n needs equal roots and an empty proof; m > n never holds.
    expect(verifyConsistency(h, 5, 5, roots[5]!, roots[5]!, [])).toBe(true);
    expect(verifyConsistency(h, 5, 5, roots[5]!, roots[6]!, [])).toBe(false);
    expect(verifyConsistency(h, 5, 5, roots[5]!, roots[5]!, [roots[1]!])).toBe(false);
    expect(verifyConsistency(h, 6, 5, roots[6]!, roots[5]!, [])).toBe(false);
    expect(verifyConsistency(h, 0, 5, roots[0]!, roots[5]!, [])).toBe(true);
  });
});
