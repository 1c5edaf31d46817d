// The Merkle frontier the server keeps per device (RFC 9162 tree of the device's audit entry
// hashes, one subtree root per 1 bit of its size) to countersign the device's tree heads.
import { hash as oneShotHash } from 'node:crypto';
import { appendToFrontier, frontierRoot, fromHex, MerkleHasher, toHex } from '../../shared/merkle';

export const merkleHasher = () => new MerkleHasher((b) => oneShotHash('sha256', b, 'buffer'));

/** A frontier of a tree of n leaves has one subtree per 1 bit of n. */
export function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

/** Append one audit entry hash (as an RFC 9162 leaf) to a hex frontier of `size` leaves. */
export const appendLeaf = (h: MerkleHasher, f: string[], size: number, entryHash: string): string[] =>
  appendToFrontier(h, f.map(fromHex), size, h.leaf(fromHex(entryHash))).map(toHex);

export const frontierRootHex = (h: MerkleHasher, f: string[]): string => toHex(frontierRoot(h, f.map(fromHex)));

/** The frontier of a tree of these entry hashes, in order (leaf i appended to a frontier of i leaves), and its root. */
export function frontierOfEntries(h: MerkleHasher, entryHashes: readonly string[]): { frontier: string[]; root: string } {
  let f: string[] = [];
  entryHashes.forEach((x, i) => (f = appendLeaf(h, f, i, x)));
  return { frontier: f, root: frontierRootHex(h, f) };
}
