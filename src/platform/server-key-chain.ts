// Checks a chain of server key statements (src/shared/sync/server-keys.ts) with Ed25519: every link
// signed by the key before it and by the new key, key ids derived from the keys, and the chain
// anchored on a key the checker already trusts (the one a device pinned at enrollment, or the
// server's current key). Used by the server before it records a statement, by the device before it
// learns keys, and by the evidence pack verifier; scripts/verify-pack.mjs mirrors it.
import {
  chainShapeError,
  keyWindows,
  serverKeyStatementBytes,
  signedServerKeyStatementSchema,
  type ServerKeyWindow,
  type SignedServerKeyStatement,
} from '../shared/sync/server-keys';
import { lazyValidator } from '../shared/validation';
import { keyIdOf, publicKeyFromRaw, verifyBase64 } from './ed25519';

const statementValid = lazyValidator(signedServerKeyStatementSchema);

export type ChainCheck = { ok: true; windows: ServerKeyWindow[] } | { ok: false; reason: string };

const idOf = (publicKey: string): string | null => {
  const raw = Buffer.from(publicKey, 'base64');
  return raw.length === 32 ? keyIdOf(raw) : null;
};

/** Whether one statement is well formed and signed by its predecessor and by its own key. */
export function statementSignedOk(st: SignedServerKeyStatement): boolean {
  if (!statementValid(st)) return false;
  const s = st.statement;
  if (idOf(s.publicKey) !== s.keyId || idOf(s.previousPublicKey) !== s.previousKeyId) return false;
  const bytes = serverKeyStatementBytes(s);
  try {
    return verifyBase64(publicKeyFromRaw(s.previousPublicKey), bytes, st.sigPrev) && verifyBase64(publicKeyFromRaw(s.publicKey), bytes, st.sigNew);
  } catch {
    return false;
  }
}

/**
 * The windows of every key of `chain` (statements seq 2.., in order) when each link verifies and
 * `anchor` is one of its keys; without statements the anchor alone.
 */
export function verifyServerKeyChain(anchor: { keyId: string; publicKey: string }, chain: readonly SignedServerKeyStatement[]): ChainCheck {
  if (idOf(anchor.publicKey) !== anchor.keyId) return { ok: false, reason: 'the trusted key id does not match its public key' };
  const first = chain[0]?.statement;
  const root = first ? { keyId: first.previousKeyId, publicKey: first.previousPublicKey } : anchor;
  if (first && first.seq !== 2) return { ok: false, reason: 'the chain does not start at the first key' };
  const bad = chain.findIndex((st) => !statementSignedOk(st));
  if (bad >= 0) return { ok: false, reason: `statement ${bad + 2} is not signed by its predecessor and its own key` };
  const shape = chainShapeError(root, chain);
  if (shape) return { ok: false, reason: shape };
  const windows = keyWindows(root, chain);
  if (!windows.some((w) => w.keyId === anchor.keyId && w.publicKey === anchor.publicKey))
    return { ok: false, reason: 'the chain does not contain the trusted key' };
  return { ok: true, windows };
}
