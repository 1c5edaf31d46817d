// Ed25519 and SHA-256 helpers over node:crypto. Keys travel as raw 32-byte public keys (base64);
// node:crypto speaks SPKI DER, which for Ed25519 is a fixed 12-byte prefix plus those 32 bytes.
import { createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** From a private or a public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' }).subarray(-32);
}

/** Throws on anything that is not exactly 32 bytes. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`Ed25519 public key must be 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** First 16 hex chars of SHA-256 over the raw public key: short, stable, and tied to the key. */
export function keyIdOf(raw: Uint8Array): string {
  return sha256Hex(raw).slice(0, 16);
}

// One-shot crypto.hash avoids the Hash object allocation of createHash on the hot path.
export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}

export function signBase64(key: KeyObject, message: string | Uint8Array): string {
  return sign(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key).toString('base64');
}

/** False (never throws) for malformed signatures. */
export function verifyBase64(key: KeyObject, message: string | Uint8Array, signatureB64: string): boolean {
  const sig = Buffer.from(signatureB64, 'base64');
  if (sig.length !== 64 || sig.toString('base64') !== signatureB64) return false;
  try {
    return verify(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key, sig);
  } catch {
    return false;
  }
}
