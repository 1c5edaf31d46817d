// Worker thread: RFC 9162 §2.1.3.2 inclusion-proof verification for batches of proofs against one
// tree head (src/main/platform/audit/merkle-pool.ts). Plain JavaScript with node:crypto only (loads the same
// way under tsx, Electron and tests); the algorithm mirrors src/shared/merkle.ts verifyInclusion.
// Input is pre-encoded: leaf hashes (n × 32 bytes), indices, proof node offsets and the nodes.
import { parentPort } from 'node:worker_threads';
import { hash } from 'node:crypto';

const buf = Buffer.alloc(65);
const node = (l, r) => {
  buf[0] = 1;
  buf.set(l, 1);
  buf.set(r, 33);
  return hash('sha256', buf, 'buffer');
};

function verifyOne(leaf, index, size, nodes, from, to, root) {
  if (!(index >= 0 && index < size)) return false;
  let r = leaf;
  let fn = index;
  let sn = size - 1;
  for (let k = from; k < to; k++) {
    if (sn === 0) return false;
    const p = nodes.subarray(k * 32, k * 32 + 32);
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else r = node(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

parentPort.on('message', ({ id, size, root, leaves, indices, offsets, nodes }) => {
  const rt = Buffer.from(root.buffer, root.byteOffset, root.byteLength);
  const lv = Buffer.from(leaves.buffer, leaves.byteOffset, leaves.byteLength);
  const nd = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
  const out = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = verifyOne(lv.subarray(i * 32, i * 32 + 32), indices[i], size, nd, offsets[i], offsets[i + 1], rt) ? 1 : 0;
  parentPort.postMessage({ id, out }, [out.buffer]);
});
