// Tenant data keys wrapped for one device (the scheme in src/shared/team/protocol.ts, WrappedKeyBody):
// ephemeral X25519, HKDF-SHA256, AES-256-GCM; the wrapping admin device signs the body with Ed25519.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { wrapInfo, wrappedKeySigningBytes, type SignedCertificate, type SignedWrappedKey, type WrappedKeyBody } from '../../../shared/team/protocol';
import { decryptGcm, encryptGcm } from '../../platform/keys/data-keys';
import { signBase64 } from '../../../platform/ed25519';

export class TeamCryptoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TeamCryptoError';
  }
}

const rawX25519 = (key: KeyObject): string => Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('base64');

export { newEncryptionKeyPair } from '../../platform/device/x25519';

export function x25519PublicFromRaw(b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  // Buffer.from skips characters that are not base64; the round trip refuses them.
  if (raw.length !== 32 || raw.toString('base64') !== b64) throw new Error('X25519 public key must be base64 of 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function wrappingKey(privateKey: KeyObject, publicKey: KeyObject, b: Pick<WrappedKeyBody, 'ephemeralKey' | 'recipientKey'>, info: string): Buffer {
  const shared = diffieHellman({ privateKey, publicKey });
  const salt = Buffer.concat([Buffer.from(b.ephemeralKey, 'base64'), Buffer.from(b.recipientKey, 'base64')]);
  return Buffer.from(hkdfSync('sha256', shared, salt, Buffer.from(info, 'utf8'), 32));
}

export function wrapTenantKey(a: {
  tenant: string;
  keyVersion: number;
  key: Buffer;
  recipient: string;
  recipientCertVersion: number;
  recipientKey: string;
  wrappedBy: string;
  wrappedAt: string;
  signingKey: KeyObject;
  wrapperCert: SignedCertificate;
}): SignedWrappedKey {
  if (a.key.length !== 32) throw new TeamCryptoError('KEY_WRAP_FAILED', 'a tenant key is 32 bytes');
  const recipientPublic = x25519PublicFromRaw(a.recipientKey);
  const eph = generateKeyPairSync('x25519');
  const ids = { tenant: a.tenant, keyVersion: a.keyVersion, recipient: a.recipient, recipientKey: a.recipientKey, ephemeralKey: rawX25519(eph.publicKey) };
  const info = wrapInfo(ids);
  const sealed = encryptGcm(wrappingKey(eph.privateKey, recipientPublic, ids, info), a.key, info);
  const body: WrappedKeyBody = {
    type: 'maestro.wrapped-key.v1',
    tenant: a.tenant,
    keyVersion: a.keyVersion,
    recipient: a.recipient,
    recipientCertVersion: a.recipientCertVersion,
    recipientKey: a.recipientKey,
    ephemeralKey: ids.ephemeralKey,
    iv: sealed.iv.toString('base64'),
    ciphertext: sealed.ciphertext.toString('base64'),
    tag: sealed.tag.toString('base64'),
    wrappedBy: a.wrappedBy,
    wrappedAt: a.wrappedAt,
  };
  return { body, signature: signBase64(a.signingKey, wrappedKeySigningBytes(body)), wrapperCert: a.wrapperCert };
}

/** Decrypts a wrapped tenant key with this device's X25519 private key. Signatures are certs.ts's job. */
export function unwrapTenantKey(w: SignedWrappedKey, privatePem: string): Buffer {
  const b = w.body;
  let key: Buffer;
  try {
    const info = wrapInfo(b);
    const sealed = { iv: Buffer.from(b.iv, 'base64'), ciphertext: Buffer.from(b.ciphertext, 'base64'), tag: Buffer.from(b.tag, 'base64') };
    // GCM accepts truncated tags; only the full 16 bytes are ours.
    if (sealed.iv.length !== 12 || sealed.tag.length !== 16) throw new Error('iv or tag has the wrong length');
    key = decryptGcm(wrappingKey(createPrivateKey(privatePem), x25519PublicFromRaw(b.ephemeralKey), b, info), sealed, info);
  } catch (e) {
    throw new TeamCryptoError('KEY_UNWRAP_FAILED', `tenant key ${b.tenant} v${b.keyVersion} does not unwrap with this device's key: ${(e as Error).message}`);
  }
  if (key.length !== 32) throw new TeamCryptoError('KEY_UNWRAP_FAILED', `tenant key ${b.tenant} v${b.keyVersion} is not 32 bytes`);
  return key;
}
