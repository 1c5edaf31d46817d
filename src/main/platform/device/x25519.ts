import { generateKeyPairSync, type KeyObject } from 'node:crypto';

const rawX25519 = (key: KeyObject): string => Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('base64');

/** The device's X25519 encryption key pair (team sync): raw public half (base64), private half as PKCS#8 PEM. */
export function newEncryptionKeyPair(): { publicRaw: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicRaw: rawX25519(publicKey), privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
}
