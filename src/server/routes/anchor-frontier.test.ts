import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rootOf, toHex } from '../../shared/merkle';
import { frontierOfEntries, merkleHasher } from './anchor-frontier';

describe('the frontier rebuilt for a device anchored before frontiers were kept', () => {
  it('has the RFC 9162 root of the anchored entries, at every size 1..70', () => {
    const h = merkleHasher();
    const hashes = Array.from({ length: 70 }, (_, i) => createHash('sha256').update(`entry ${i}`).digest('hex'));
    for (let n = 1; n <= hashes.length; n++) {
      const { frontier, root } = frontierOfEntries(h, hashes.slice(0, n));
      const leaves = hashes.slice(0, n).map((x) => h.leaf(Buffer.from(x, 'hex')));
      expect(root).toBe(toHex(rootOf(h, leaves)));
      expect(frontier).toHaveLength(n.toString(2).replaceAll('0', '').length);
    }
  });
});
