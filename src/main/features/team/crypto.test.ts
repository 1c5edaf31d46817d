import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateSigningBytes, type DeviceCertificate, type SignedWrappedKey, type WrappedKeyBody } from '../../../shared/team/protocol';
import { rawPublicKeyBase64, signBase64 } from '../../../platform/ed25519';
import { verifyWrappedKey } from './certs';
import { newEncryptionKeyPair, TeamCryptoError, unwrapTenantKey, wrapTenantKey, x25519PublicFromRaw } from './crypto';

const TENANT = 'acme';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const server = generateKeyPairSync('ed25519');
const admin = generateKeyPairSync('ed25519');
const adminCert: DeviceCertificate = {
  type: 'maestro.device-cert.v1',
  tenant: TENANT,
  device: 'dev-admin',
  user: 'boss',
  roles: ['admin'],
  signingKey: rawPublicKeyBase64(admin.publicKey),
  encryptionKey: null,
  status: 'active',
  issuedAt: '2025-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:00:00.000Z',
  certVersion: 1,
  serverKeyId: 'srv-1',
};
const recipient = newEncryptionKeyPair();
const tenantKey = randomBytes(32);

const wrap = (key = tenantKey) =>
  wrapTenantKey({
    tenant: TENANT,
    keyVersion: 3,
    key,
    recipient: 'dev-field',
    recipientCertVersion: 2,
    recipientKey: recipient.publicRaw,
    wrappedBy: 'dev-admin',
    wrappedAt: '2025-03-01T11:00:00.000Z',
    signingKey: admin.privateKey,
    wrapperCert: { cert: adminCert, signature: signBase64(server.privateKey, certificateSigningBytes(adminCert)) },
  });
const verify = (w: SignedWrappedKey) =>
  verifyWrappedKey(w, {
    serverKey: server.publicKey,
    tenant: TENANT,
    device: 'dev-field',
    encryptionKey: recipient.publicRaw,
    latestCert: () => null,
    now: NOW,
  });
function unwrapCode(w: SignedWrappedKey, pem = recipient.privatePem): string {
  try {
    unwrapTenantKey(w, pem);
    return 'ok';
  } catch (e) {
    return e instanceof TeamCryptoError ? e.code : `unexpected ${String(e)}`;
  }
}
const flip = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  b.writeUInt8(b.readUInt8(0) ^ 1, 0);
  return b.toString('base64');
};

describe('X25519 keys', () => {
  it('makes a key pair whose raw public key imports back', () => {
    const kp = newEncryptionKeyPair();
    expect(kp.publicRaw).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(kp.privatePem).toContain('BEGIN PRIVATE KEY');
    const key = x25519PublicFromRaw(kp.publicRaw);
    expect(key.asymmetricKeyType).toBe('x25519');
    expect(Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')).toBe(kp.publicRaw);
  });
  it('refuses a raw key that is not base64 of 32 bytes', () => {
    expect(() => x25519PublicFromRaw('')).toThrow();
    expect(() => x25519PublicFromRaw(Buffer.alloc(31).toString('base64'))).toThrow();
    expect(() => x25519PublicFromRaw(`${recipient.publicRaw.slice(0, 10)}!${recipient.publicRaw.slice(10)}`)).toThrow();
  });
});

describe('wrapTenantKey / unwrapTenantKey', () => {
  it('round-trips a tenant key, with a fresh ephemeral key and iv each time', () => {
    const a = wrap();
    const b = wrap();
    expect(unwrapTenantKey(a, recipient.privatePem).equals(tenantKey)).toBe(true);
    expect(unwrapTenantKey(b, recipient.privatePem).equals(tenantKey)).toBe(true);
    expect(a.body.ephemeralKey).not.toBe(b.body.ephemeralKey);
    expect(a.body.iv).not.toBe(b.body.iv);
    expect(a.body.ciphertext).not.toBe(tenantKey.toString('base64'));
    expect(verify(a)).toEqual({ ok: true });
  });
  it('refuses to wrap a key that is not 32 bytes', () => {
    expect(() => wrap(randomBytes(16))).toThrow(TeamCryptoError);
  });
  it('fails with KEY_UNWRAP_FAILED under another private key', () => {
    expect(unwrapCode(wrap(), newEncryptionKeyPair().privatePem)).toBe('KEY_UNWRAP_FAILED');
    expect(unwrapCode(wrap(), admin.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)).toBe('KEY_UNWRAP_FAILED');
    expect(unwrapCode(wrap(), 'not a pem')).toBe('KEY_UNWRAP_FAILED');
  });
  it('refuses a truncated GCM tag', () => {
    const w = wrap();
    expect(unwrapCode({ ...w, body: { ...w.body, tag: Buffer.from(w.body.tag, 'base64').subarray(0, 12).toString('base64') } })).toBe('KEY_UNWRAP_FAILED');
  });

  // Every body field: the signature check refuses it, and every field bound into the encryption also breaks GCM.
  const other = newEncryptionKeyPair().publicRaw;
  const tampers: [keyof WrappedKeyBody, (b: WrappedKeyBody) => unknown, string, boolean][] = [
    ['type', () => 'maestro.wrapped-key.v2', 'KEY_MALFORMED', false],
    ['tenant', () => 'globex', 'KEY_WRONG_RECIPIENT', true],
    ['keyVersion', (b) => b.keyVersion + 1, 'KEY_BAD_SIGNATURE', true],
    ['recipient', () => 'dev-other', 'KEY_WRONG_RECIPIENT', true],
    ['recipientCertVersion', (b) => b.recipientCertVersion + 1, 'KEY_BAD_SIGNATURE', false],
    ['recipientKey', () => other, 'KEY_WRONG_RECIPIENT', true],
    ['ephemeralKey', () => other, 'KEY_BAD_SIGNATURE', true],
    ['iv', (b) => flip(b.iv), 'KEY_BAD_SIGNATURE', true],
    ['ciphertext', (b) => flip(b.ciphertext), 'KEY_BAD_SIGNATURE', true],
    ['tag', (b) => flip(b.tag), 'KEY_BAD_SIGNATURE', true],
    ['wrappedBy', () => 'dev-other', 'KEY_WRAPPER_MISMATCH', false],
    ['wrappedAt', () => '2025-03-01T11:00:01.000Z', 'KEY_BAD_SIGNATURE', false],
  ];
  it('covers every body field', () => {
    expect(tampers.map((t) => t[0]).sort()).toEqual(Object.keys(wrap().body).sort());
  });
  it.each(tampers)('tampering %s is refused', (field, change, verifyCode, breaksGcm) => {
    const w = wrap();
    const t = { ...w, body: { ...w.body, [field]: change(w.body) } } as SignedWrappedKey;
    const r = verify(t);
    expect(r.ok ? 'ok' : r.code).toBe(verifyCode);
    expect(unwrapCode(t)).toBe(breaksGcm ? 'KEY_UNWRAP_FAILED' : 'ok');
  });
});
