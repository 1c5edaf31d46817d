// RFC 9162 (RFC 6962) Merkle tree over the audit log: tree hashes, inclusion and consistency proofs
// and their verification. Pure: the caller supplies SHA-256 (`node:crypto` on the device and the
// server), so nothing here imports node modules.
//
// Leaves are the audit entries' hashes (32 raw bytes each): leaf hash = H(0x00 || entry-hash bytes),
// node hash = H(0x01 || left || right), empty tree = H(""). Proof generation follows the recursive
// definitions of RFC 9162 §2.1.3.1 / §2.1.4.1 written as loops over perfect subtrees; verification
// follows §2.1.3.2 / §2.1.4.2 step by step.

/** SHA-256. Must return a fresh array (the input buffer is reused by the caller). */
export type HashFn = (bytes: Uint8Array) => Uint8Array;

export const HASH_BYTES = 32;

/** The tree's hashing rules bound to one hash function (reuses its input buffers: not re-entrant). */
export class MerkleHasher {
  private readonly leafBuf = new Uint8Array(1 + HASH_BYTES);
  private readonly nodeBuf = new Uint8Array(1 + 2 * HASH_BYTES);

  constructor(readonly hash: HashFn) {
    this.leafBuf[0] = 0x00;
    this.nodeBuf[0] = 0x01;
  }

  /** MTH({}) = HASH(). */
  emptyRoot(): Uint8Array {
    return this.hash(new Uint8Array(0));
  }

  /** HASH(0x00 || data), any length. */
  leaf(data: Uint8Array): Uint8Array {
    if (data.length === HASH_BYTES) {
      this.leafBuf.set(data, 1);
      return this.hash(this.leafBuf);
    }
    const b = new Uint8Array(1 + data.length);
    b.set(data, 1);
    return this.hash(b);
  }

  /** HASH(0x01 || left || right), both 32 bytes. */
  node(left: Uint8Array, right: Uint8Array): Uint8Array {
    this.nodeBuf.set(left, 1);
    this.nodeBuf.set(right, 1 + HASH_BYTES);
    return this.hash(this.nodeBuf);
  }
}

/**
 * Hashes of perfect subtrees: `node(level, index)` is the root of leaves
 * [index·2^level, (index+1)·2^level); level 0 is the leaf hashes. Only subtrees wholly inside the
 * tree being proved are asked for.
 */
export interface PerfectNodes {
  node(level: number, index: number): Uint8Array;
}

/** Leaf hashes held in an array, as perfect-subtree source (higher levels computed on demand). */
export function arrayNodes(h: MerkleHasher, leafHashes: readonly Uint8Array[]): PerfectNodes {
  const node = (level: number, index: number): Uint8Array => {
    if (level === 0) {
      const l = leafHashes[index];
      if (!l) throw new RangeError(`no leaf ${index}`);
      return l;
    }
    return h.node(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
  };
  return { node };
}

const isNodes = (x: readonly Uint8Array[] | PerfectNodes): x is PerfectNodes => !Array.isArray(x);
const nodesOf = (h: MerkleHasher, x: readonly Uint8Array[] | PerfectNodes): PerfectNodes => (isNodes(x) ? x : arrayNodes(h, x));

/** The largest power of two strictly smaller than n (n ≥ 2): the `k` of RFC 9162. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function assertSize(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

/**
 * MTH(D[start:end]) for a range whose start is aligned as in the RFC's recursion (start is a
 * multiple of every power of two ≤ end − start): the right-to-left fold of its perfect subtrees.
 */
export function rangeRoot(h: MerkleHasher, nodes: PerfectNodes, start: number, end: number): Uint8Array {
  if (end <= start) throw new RangeError('empty range');
  const pieces: Uint8Array[] = [];
  let at = start;
  while (at < end) {
    const size = end - at;
    let level = 0;
    while (2 ** (level + 1) <= size) level += 1;
    pieces.push(nodes.node(level, at / 2 ** level));
    at += 2 ** level;
  }
  let r = pieces[pieces.length - 1]!;
  for (let i = pieces.length - 2; i >= 0; i--) r = h.node(pieces[i]!, r);
  return r;
}

/** MTH of the first `size` leaves (default: all of an array). */
export function rootOf(h: MerkleHasher, leaves: readonly Uint8Array[] | PerfectNodes, size?: number): Uint8Array {
  const n = size ?? (isNodes(leaves) ? NaN : leaves.length);
  assertSize(n, 'size');
  if (!isNodes(leaves) && n > leaves.length) throw new RangeError('size exceeds the leaves given');
  return n === 0 ? h.emptyRoot() : rangeRoot(h, nodesOf(h, leaves), 0, n);
}

/** PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf-most sibling first. */
export function inclusionProof(h: MerkleHasher, leaves: readonly Uint8Array[] | PerfectNodes, index: number, size: number): Uint8Array[] {
  assertSize(size, 'size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError('index must be in [0, size)');
  const nodes = nodesOf(h, leaves);
  const path: Uint8Array[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(rangeRoot(h, nodes, start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(h, nodes, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1 (0 < m ≤ n; empty when m = n). */
export function consistencyProof(h: MerkleHasher, leaves: readonly Uint8Array[] | PerfectNodes, m: number, n: number): Uint8Array[] {
  assertSize(m, 'm');
  assertSize(n, 'n');
  if (m > n) throw new RangeError('m must not exceed n');
  if (m === 0 || m === n) return [];
  const nodes = nodesOf(h, leaves);
  const path: Uint8Array[] = [];
  let start = 0;
  let end = n;
  let complete = true; // the RFC's `b`: the subtree so far is exactly MTH(D[0:m])'s left part
  for (;;) {
    const size = end - start;
    const rel = m - start;
    if (rel === size) {
      if (!complete) path.push(rangeRoot(h, nodes, start, end));
      break;
    }
    const k = splitPoint(size);
    if (rel <= k) {
      path.push(rangeRoot(h, nodes, start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(h, nodes, start, start + k));
      start += k;
      complete = false;
    }
  }
  return path.reverse();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function wellFormed(proof: readonly Uint8Array[]): boolean {
  for (let i = 0; i < proof.length; i++) {
    const p = proof[i];
    if (!(p instanceof Uint8Array) || p.length !== HASH_BYTES) return false;
  }
  return true;
}

/**
 * RFC 9162 §2.1.3.2. Returns false (never throws) on any malformed input. `leafHash` is the leaf's
 * tree hash, H(0x00 || entry-hash).
 */
export function verifyInclusion(h: MerkleHasher, leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  // 1. index < size (and both sane integers).
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (leafHash.length !== HASH_BYTES || root.length !== HASH_BYTES || !wellFormed(proof)) return false;
  // 2. fn = index, sn = size − 1.
  // 3. r = hash.
  let r = leafHash;
  if (size <= 0xffffffff) {
    // Fast path: 32-bit unsigned shifts (sizes below 2^32).
    let fn = index >>> 0;
    let sn = (size - 1) >>> 0;
    // 4. for each p in the path:
    for (let i = 0; i < proof.length; i++) {
      const p = proof[i]!;
      // a. sn = 0 → fail.
      if (sn === 0) return false;
      // b. LSB(fn) set, or fn = sn → r = HASH(0x01 || p || r), then shift while LSB(fn) unset and
      //    fn ≠ 0; otherwise r = HASH(0x01 || r || p).
      if ((fn & 1) === 1 || fn === sn) {
        r = h.node(p, r);
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        r = h.node(r, p);
      }
      // c. shift once.
      fn >>>= 1;
      sn >>>= 1;
    }
    // 5. sn = 0 and r = root.
    return sn === 0 && bytesEqual(r, root);
  }
  // Same steps with division: plain numbers stay exact up to 2^53.
  let fn = index;
  let sn = size - 1;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = h.node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = h.node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. sn = 0 and r = root.
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2 for 0 < m < n. Edge cases as transparency-dev/merkle: m = n holds iff the proof is
 * empty and the roots are equal; m = 0 (the empty tree is a prefix of every tree) iff the proof is
 * empty; m > n never.
 */
export function verifyConsistency(h: MerkleHasher, m: number, n: number, rootM: Uint8Array, rootN: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (rootM.length !== HASH_BYTES || rootN.length !== HASH_BYTES || !wellFormed(proof)) return false;
  if (m === n) return proof.length === 0 && bytesEqual(rootM, rootN);
  if (m === 0) return proof.length === 0;
  // 1. An empty path fails.
  if (proof.length === 0) return false;
  // 2. m an exact power of two → prepend first_hash.
  const path = isPow2(m) ? [rootM, ...proof] : proof;
  // 3. fn = m − 1, sn = n − 1.
  let fn = m - 1;
  let sn = n - 1;
  // 4. while LSB(fn) set, shift both.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. fr = sr = first value.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. for each subsequent value c:
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // a. sn = 0 → fail.
    if (sn === 0) return false;
    // b. LSB(fn) set or fn = sn → fr = H(c||fr), sr = H(c||sr), then shift while LSB(fn) unset and
    //    fn ≠ 0; otherwise sr = H(sr||c).
    if (fn % 2 === 1 || fn === sn) {
      fr = h.node(c, fr);
      sr = h.node(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = h.node(sr, c);
    }
    // c. shift once.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7. fr = first_hash, sr = second_hash, sn = 0.
  return sn === 0 && bytesEqual(fr, rootM) && bytesEqual(sr, rootN);
}

function isPow2(x: number): boolean {
  while (x > 1) {
    if (x % 2 !== 0) return false;
    x /= 2;
  }
  return x === 1;
}

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

/** Lower- or upper-case hex of even length; throws otherwise. */
export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError('not hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * An in-memory tree of leaf hashes that keeps every perfect-subtree node as it grows (append is
 * amortised one hash per leaf), so proofs cost only the path, never a rehash of the leaves.
 */
export class MemoryTree implements PerfectNodes {
  /** levels[l][i] = node(l, i) for every complete perfect subtree. */
  readonly levels: Uint8Array[][] = [[]];

  constructor(private readonly h: MerkleHasher) {}

  get size(): number {
    return this.levels[0]!.length;
  }

  /** Append a leaf hash (already H(0x00 || data)). */
  appendLeafHash(leafHash: Uint8Array): void {
    let level = 0;
    let cur = leafHash;
    for (;;) {
      const row = (this.levels[level] ??= []);
      row.push(cur);
      const i = row.length - 1;
      if (i % 2 === 0) return;
      cur = this.h.node(row[i - 1]!, cur);
      level += 1;
    }
  }

  node(level: number, index: number): Uint8Array {
    const n = this.levels[level]?.[index];
    if (!n) throw new RangeError(`no node (${level}, ${index})`);
    return n;
  }

  root(size = this.size): Uint8Array {
    if (size > this.size) throw new RangeError('size exceeds the tree');
    return rootOf(this.h, this, size);
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    if (size > this.size) throw new RangeError('size exceeds the tree');
    return inclusionProof(this.h, this, index, size);
  }

  consistencyProof(m: number, n = this.size): Uint8Array[] {
    if (n > this.size) throw new RangeError('size exceeds the tree');
    return consistencyProof(this.h, this, m, n);
  }
}

/**
 * The frontier of a tree of `size` leaves: its perfect-subtree roots, largest first (one per 1 bit of
 * size). Appending a leaf merges the equal-sized subtrees at the end, so a tree head can be kept up
 * to date in O(log n) space and time per leaf.
 */
export function appendToFrontier(h: MerkleHasher, frontier: readonly Uint8Array[], size: number, leafHash: Uint8Array): Uint8Array[] {
  const out = [...frontier];
  let node = leafHash;
  for (let n = size; n % 2 === 1; n = Math.floor(n / 2)) node = h.node(out.pop()!, node);
  out.push(node);
  return out;
}

/** The RFC 9162 root of the tree a frontier describes (the empty root for no leaves). */
export function frontierRoot(h: MerkleHasher, frontier: readonly Uint8Array[]): Uint8Array {
  if (frontier.length === 0) return h.emptyRoot();
  let r = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) r = h.node(frontier[i]!, r);
  return r;
}
