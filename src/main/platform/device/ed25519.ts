import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

// DER prefix of an SPKI-wrapped raw Ed25519 public key (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function publicKeyFromRaw(rawB64: string): KeyObject {
  const raw = Buffer.from(rawB64, 'base64');
  if (raw.length !== 32) throw new Error('Ed25519 public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function rawPublicKey(key: KeyObject): string {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');
}

export function newDeviceKeyPair(): { privatePem: string; publicRaw: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicRaw: rawPublicKey(publicKey) };
}

export const privateKeyFromPem = (pem: string): KeyObject => createPrivateKey(pem);
export const signB64 = (bytes: string, key: KeyObject): string => sign(null, Buffer.from(bytes, 'utf8'), key).toString('base64');
export function verifyB64(bytes: string, sigB64: string, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(bytes, 'utf8'), key, Buffer.from(sigB64, 'base64'));
  } catch {
    return false;
  }
}
