// Ed25519 over node:crypto, for the device and the server alike. Public keys travel as raw 32-byte
// keys (base64 on the wire); node:crypto speaks SPKI DER, which for Ed25519 is a fixed 12-byte
// prefix (RFC 8410) plus those 32 bytes. Signatures travel as base64 of the 64-byte signature.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { sha256Hex } from './hash';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** The bytes of canonical base64 (what Buffer#toString('base64') writes), or null for anything else. */
export function decodeCanonicalBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/**
 * A public KeyObject from the raw 32-byte key, given as bytes or as canonical base64. Throws a
 * RangeError on anything else (wrong length, or base64 that is not the canonical form).
 */
export function publicKeyFromRaw(raw: Uint8Array | string): KeyObject {
  const bytes = typeof raw === 'string' ? decodeCanonicalBase64(raw) : Buffer.from(raw);
  if (bytes === null) throw new RangeError('Ed25519 public key must be canonical base64');
  if (bytes.length !== PUBLIC_KEY_BYTES) throw new RangeError(`Ed25519 public key must be 32 bytes, got ${bytes.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' });
}

/** The raw 32-byte public key, from a private or a public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' }).subarray(-PUBLIC_KEY_BYTES);
}

/** rawPublicKey as base64, the form keys travel in. */
export function rawPublicKeyBase64(key: KeyObject): string {
  return rawPublicKey(key).toString('base64');
}

/** First 16 hex chars of SHA-256 over the raw public key: short, stable, and tied to the key. */
export function keyIdOf(raw: Uint8Array): string {
  return sha256Hex(raw).slice(0, 16);
}

/** A fresh pair: the private key as PKCS#8 PEM, the public key as raw base64. */
export function newKeyPair(): { privatePem: string; publicRaw: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicRaw: rawPublicKeyBase64(publicKey) };
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

const bytesOf = (message: string | Uint8Array): Uint8Array => (typeof message === 'string' ? Buffer.from(message, 'utf8') : message);

/** Base64 of the signature over the message (a string is signed as its UTF-8 bytes). */
export function signBase64(key: KeyObject, message: string | Uint8Array): string {
  return sign(null, bytesOf(message), key).toString('base64');
}

/**
 * True only for a valid signature given as canonical base64 of exactly 64 bytes. False (never
 * throws) for anything malformed, including a key that is not an Ed25519 public key.
 */
export function verifyBase64(key: KeyObject, message: string | Uint8Array, signatureB64: string): boolean {
  const sig = decodeCanonicalBase64(signatureB64);
  if (sig === null || sig.length !== SIGNATURE_BYTES) return false;
  try {
    return verify(null, bytesOf(message), key, sig);
  } catch {
    return false;
  }
}
