// Worker thread: Ed25519 signature checks for the device's receipt verifier (src/main/sync/verify-pool.ts).
// Plain JavaScript with node:crypto only, so it loads the same way under tsx, Electron and tests.
import { parentPort } from 'node:worker_threads';
import { createPublicKey, verify } from 'node:crypto';

const keys = new Map();
parentPort.on('message', ({ id, publicKeyDer, items }) => {
  let key = keys.get(publicKeyDer);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(publicKeyDer, 'base64'), format: 'der', type: 'spki' });
    keys.set(publicKeyDer, key);
  }
  const out = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = verify(null, Buffer.from(items[i][0], 'utf8'), key, Buffer.from(items[i][1], 'base64')) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
