// Worker thread: Ed25519 signature checks for the device's receipt verifier (src/main/features/sync/verify-pool.ts).
// Plain JavaScript with node:crypto only, so it loads the same way under tsx, Electron and tests.
// Input arrives pre-encoded (one buffer of messages with offsets, one of 64-byte signatures) so the
// worker spends its time verifying, not decoding strings.
import { parentPort } from 'node:worker_threads';
import { createPublicKey, verify } from 'node:crypto';

const keys = new Map();
parentPort.on('message', ({ id, publicKeyDer, msgs, ends, sigs }) => {
  let key = keys.get(publicKeyDer);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(publicKeyDer, 'base64'), format: 'der', type: 'spki' });
    keys.set(publicKeyDer, key);
  }
  const m = Buffer.from(msgs.buffer, msgs.byteOffset, msgs.byteLength);
  const s = Buffer.from(sigs.buffer, sigs.byteOffset, sigs.byteLength);
  const out = new Uint8Array(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    try {
      out[i] = verify(null, m.subarray(start, ends[i]), key, s.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
    start = ends[i];
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
