// Device-side RFC 9162 Merkle tree over the audit log (leaf i = H(0x00 || bytes of entry seq i+1's
// hash)). The algorithms are in src/shared/merkle.ts; this file stores what makes proofs cheap.
//
// Storage: perfect-subtree nodes of level ≥ BLOCK_LEVEL (4: a node per 16 leaves, ~1/8 row per
// entry over all levels) in audit_merkle_nodes. Levels 0..3 are recomputed from the ≤16 audit rows of
// the block a proof touches (16 leaf hashes + ≤15 node hashes), which is cheaper than storing a row
// per leaf. Nodes are filled lazily, in batches, from audit_log when a root or proof is asked for
// (`catchUp`), not in the append transaction: appends stay as fast as before (the audit store is a
// hot path and stays untouched), an existing log is backfilled by the same code, and a batch of
// 64k entries costs ~0.1 s once. Every proof then reads O(log n) stored nodes plus one or two blocks.
import { hash as oneShotHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/connection';
import { consistencyProof, fromHex, inclusionProof, MerkleHasher, rootOf, toHex, type PerfectNodes } from '../../../shared/merkle';

export const BLOCK_LEVEL = 4;
const BLOCK = 2 ** BLOCK_LEVEL;
const CATCH_UP_BATCH = 65_536; // leaves per transaction while filling nodes (a multiple of BLOCK)

export const nodeSha256 = (b: Uint8Array): Uint8Array => oneShotHash('sha256', b, 'buffer');
export const merkleHasher = (): MerkleHasher => new MerkleHasher(nodeSha256);

export interface InclusionResult {
  /** Audit seq of the entry (leaf index + 1). */
  seq: number;
  /** Leaf index = seq − 1. */
  index: number;
  size: number;
  /** The entry's own hash (hex), the leaf data. */
  entryHash: string;
  /** RFC 9162 audit path, hex, leaf-most first. */
  proof: string[];
  root: string;
}

export interface ConsistencyResult {
  m: number;
  n: number;
  rootM: string;
  rootN: string;
  proof: string[];
}

export class AuditMerkle {
  readonly hasher = merkleHasher();
  private readonly headStmt: Statement;
  private readonly builtStmt: Statement;
  private readonly nodeStmt: Statement;
  private readonly putStmt: Statement;
  private readonly hashesStmt: Statement;

  constructor(private readonly db: Db) {
    this.headStmt = db.prepare('SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1').pluck();
    this.builtStmt = db.prepare('SELECT max(idx) FROM audit_merkle_nodes WHERE level = ?').pluck();
    this.nodeStmt = db.prepare('SELECT hash FROM audit_merkle_nodes WHERE level = ? AND idx = ?').pluck();
    this.putStmt = db.prepare('INSERT OR REPLACE INTO audit_merkle_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.hashesStmt = db.prepare('SELECT hash FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq').pluck();
  }

  /** Entries in the log = the current tree size. */
  size(): number {
    return (this.headStmt.get() as number | undefined) ?? 0;
  }

  /** Leaves covered by stored nodes (a multiple of 16). */
  builtLeaves(): number {
    const max = this.builtStmt.get(BLOCK_LEVEL) as number | null;
    return max === null ? 0 : (max + 1) * BLOCK;
  }

  /** Store the nodes of every complete 16-leaf block up to `size` (default: the whole log). */
  catchUp(size = this.size()): void {
    const target = Math.floor(size / BLOCK) * BLOCK;
    let built = this.builtLeaves();
    if (built >= target) return;
    // Last stored node per level seen in this run: the left sibling a new right node pairs with.
    const last = new Map<number, { idx: number; hash: Uint8Array }>();
    const sibling = (level: number, idx: number): Uint8Array => {
      const c = last.get(level);
      if (c && c.idx === idx) return c.hash;
      const b = this.nodeStmt.get(level, idx) as Buffer | undefined;
      if (!b) throw new Error(`audit Merkle node (${level}, ${idx}) is missing`);
      return b;
    };
    const h = this.hasher;
    while (built < target) {
      const end = Math.min(target, built + CATCH_UP_BATCH);
      this.db.transaction(() => {
        const hashes = this.hashesStmt.all(built, end) as string[];
        if (hashes.length !== end - built) throw new Error(`audit_log has gaps between seq ${built + 1} and ${end}`);
        const level0: Uint8Array[] = new Array<Uint8Array>(BLOCK);
        for (let b = 0; b < hashes.length; b += BLOCK) {
          for (let i = 0; i < BLOCK; i++) level0[i] = h.leaf(Buffer.from(hashes[b + i]!, 'hex'));
          let row = level0;
          while (row.length > 1) {
            const next: Uint8Array[] = [];
            for (let i = 0; i < row.length; i += 2) next.push(h.node(row[i]!, row[i + 1]!));
            row = next;
          }
          let cur = row[0]!;
          let level = BLOCK_LEVEL;
          let idx = (built + b) / BLOCK;
          for (;;) {
            this.putStmt.run(level, idx, cur);
            last.set(level, { idx, hash: cur });
            if (idx % 2 === 0) break;
            cur = h.node(sibling(level, idx - 1), cur);
            level += 1;
            idx = (idx - 1) / 2;
          }
        }
      })();
      built = end;
    }
  }

  /** Perfect-subtree source for trees up to `size`; caches the blocks it reads for one request. */
  private nodes(size: number): PerfectNodes {
    this.catchUp(size);
    const h = this.hasher;
    const blocks = new Map<number, Uint8Array[]>();
    const leaf = (index: number): Uint8Array => {
      const block = Math.floor(index / BLOCK);
      let leaves = blocks.get(block);
      if (!leaves) {
        const start = block * BLOCK;
        const rows = this.hashesStmt.all(start, Math.min(start + BLOCK, size)) as string[];
        leaves = rows.map((x) => h.leaf(Buffer.from(x, 'hex')));
        blocks.set(block, leaves);
      }
      const l = leaves[index % BLOCK];
      if (!l) throw new Error(`audit entry ${index + 1} is missing`);
      return l;
    };
    const node = (level: number, index: number): Uint8Array => {
      if (level === 0) return leaf(index);
      if (level < BLOCK_LEVEL) return h.node(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      const b = this.nodeStmt.get(level, index) as Buffer | undefined;
      if (!b) throw new Error(`audit Merkle node (${level}, ${index}) is missing`);
      return b;
    };
    return { node };
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('size must be a non-negative integer');
    const have = this.size();
    if (size > have) throw new RangeError(`the audit log has ${have} entries, fewer than ${size}`);
  }

  /** MTH of the first `size` entries (hex); default the whole log. */
  root(size = this.size()): string {
    this.checkSize(size);
    return toHex(size === 0 ? this.hasher.emptyRoot() : rootOf(this.hasher, this.nodes(size), size));
  }

  /** Proof that entry `seq` is in the tree of `size` entries (default the whole log). */
  inclusion(seq: number, size = this.size()): InclusionResult {
    this.checkSize(size);
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > size) throw new RangeError(`seq must be in [1, ${size}]`);
    const nodes = this.nodes(size);
    const index = seq - 1;
    const entryHash = (this.hashesStmt.all(index, seq) as string[])[0]!;
    return {
      seq,
      index,
      size,
      entryHash,
      proof: inclusionProof(this.hasher, nodes, index, size).map(toHex),
      root: toHex(rootOf(this.hasher, nodes, size)),
    };
  }

  /** Proof that the tree of m entries is a prefix of the tree of n entries (0 ≤ m ≤ n ≤ log size). */
  consistency(m: number, n = this.size()): ConsistencyResult {
    this.checkSize(n);
    if (!Number.isSafeInteger(m) || m < 0 || m > n) throw new RangeError(`m must be in [0, ${n}]`);
    const nodes = this.nodes(n);
    const rootOfSize = (s: number) => toHex(s === 0 ? this.hasher.emptyRoot() : rootOf(this.hasher, nodes, s));
    return { m, n, rootM: rootOfSize(m), rootN: rootOfSize(n), proof: consistencyProof(this.hasher, nodes, m, n).map(toHex) };
  }
}

/** Leaf hash of an audit entry given its hash (hex): H(0x00 || bytes). */
export function auditLeafHash(h: MerkleHasher, entryHashHex: string): Uint8Array {
  return h.leaf(fromHex(entryHashHex));
}
