import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateSigningBytes, type DeviceCertificate, type SignedCertificate } from '../../../shared/team/protocol';
import { rawPublicKeyBase64, signBase64 } from '../../../platform/ed25519';
import { judgeSigner, verifyCertificate, verifyWrappedKey } from './certs';
import { newEncryptionKeyPair, wrapTenantKey } from './crypto';

const TENANT = 'acme';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const AT = '2025-03-01T11:00:00.000Z';
const server = generateKeyPairSync('ed25519');

function deviceKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, raw: rawPublicKeyBase64(publicKey) };
}
function cert(over: Partial<DeviceCertificate> = {}): DeviceCertificate {
  return {
    type: 'maestro.device-cert.v1',
    tenant: TENANT,
    device: 'dev-a',
    user: 'ada',
    roles: ['reviewer'],
    signingKey: deviceKeys().raw,
    encryptionKey: null,
    status: 'active',
    issuedAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:00:00.000Z',
    certVersion: 1,
    serverKeyId: 'srv-1',
    ...over,
  };
}
const sign = (c: DeviceCertificate, key = server.privateKey): SignedCertificate => ({ cert: c, signature: signBase64(key, certificateSigningBytes(c)) });
const code = (r: { ok: boolean; code?: string }) => (r.ok ? 'ok' : r.code);

describe('verifyCertificate', () => {
  it('accepts a certificate the server signed for this tenant', () => {
    expect(verifyCertificate(sign(cert()), server.publicKey, { tenant: TENANT })).toEqual({ ok: true });
  });
  it('refuses a malformed certificate', () => {
    const sc = sign(cert());
    expect(code(verifyCertificate({ ...sc, extra: 1 }, server.publicKey, { tenant: TENANT }))).toBe('CERT_MALFORMED');
    expect(code(verifyCertificate({ cert: { ...sc.cert, roles: [] }, signature: sc.signature }, server.publicKey, { tenant: TENANT }))).toBe('CERT_MALFORMED');
    expect(code(verifyCertificate(null, server.publicKey, { tenant: TENANT }))).toBe('CERT_MALFORMED');
  });
  it('refuses a certificate not signed by the pinned server key, or altered after signing', () => {
    const other = generateKeyPairSync('ed25519');
    expect(code(verifyCertificate(sign(cert(), other.privateKey), server.publicKey, { tenant: TENANT }))).toBe('CERT_BAD_SIGNATURE');
    const sc = sign(cert());
    expect(code(verifyCertificate({ ...sc, cert: { ...sc.cert, roles: ['admin'] } }, server.publicKey, { tenant: TENANT }))).toBe('CERT_BAD_SIGNATURE');
  });
  it('refuses a certificate of another tenant', () => {
    expect(code(verifyCertificate(sign(cert({ tenant: 'globex' })), server.publicKey, { tenant: TENANT }))).toBe('CERT_WRONG_TENANT');
  });
});

describe('judgeSigner', () => {
  const v1 = cert({ roles: ['reviewer', 'admin'] });
  const judge = (latest: DeviceCertificate | null, o: Partial<{ at: string; roles: readonly ('field' | 'reviewer' | 'admin')[] }> = {}, c = v1) =>
    code(judgeSigner(c, latest, { at: AT, now: NOW, roles: ['reviewer'], ...o }));

  it('accepts an active certificate with the role, valid at the statement time', () => {
    expect(judge(null)).toBe('ok');
    expect(judge(v1)).toBe('ok');
    expect(judge(null, { roles: undefined })).toBe('ok');
  });
  it('refuses a revoked certificate', () => {
    expect(judge(null, {}, { ...v1, status: 'revoked' })).toBe('CERT_REVOKED');
  });
  it('refuses a statement outside the certificate validity', () => {
    expect(judge(null, { at: '2024-12-31T23:54:59.000Z' })).toBe('CERT_EXPIRED');
    const shortLived = { ...v1, expiresAt: '2025-02-01T00:00:00.000Z' };
    expect(judge(null, { at: '2025-01-31T23:59:59.000Z' }, shortLived)).toBe('ok');
    expect(judge(null, { at: '2025-02-01T00:00:01.000Z' }, shortLived)).toBe('CERT_EXPIRED');
    expect(judge(null, { at: 'not a date' })).toBe('CERT_EXPIRED');
  });
  it('refuses a statement more than five minutes ahead of this clock', () => {
    expect(judge(null, { at: '2025-03-01T12:04:59.000Z' })).toBe('ok');
    expect(judge(null, { at: '2025-03-01T12:05:01.000Z' })).toBe('STATEMENT_IN_FUTURE');
  });
  it('refuses when a newer certificate revokes the device', () => {
    expect(judge({ ...v1, certVersion: 2, status: 'revoked' })).toBe('CERT_REVOKED');
  });
  it('refuses when a newer certificate changes the signing key', () => {
    expect(judge({ ...v1, certVersion: 2, signingKey: deviceKeys().raw })).toBe('CERT_SUPERSEDED');
  });
  it('refuses when a newer certificate takes the required role away', () => {
    expect(judge({ ...v1, certVersion: 2, roles: ['field'] })).toBe('CERT_SUPERSEDED');
    expect(judge({ ...v1, certVersion: 2, roles: ['field'] }, { roles: undefined })).toBe('ok');
  });
  it('a renewal with the same keys and roles does not supersede', () => {
    const renewal = { ...v1, certVersion: 2, issuedAt: '2025-12-05T00:00:00.000Z', expiresAt: '2026-12-05T00:00:00.000Z' };
    expect(judge(renewal)).toBe('ok');
    const adminOnly = { ...v1, certVersion: 2, roles: ['admin' as const] };
    expect(judge(adminOnly, { roles: ['reviewer', 'admin'] })).toBe('ok');
  });
  it('ignores an older certificate, and one of another device', () => {
    const v3 = { ...v1, certVersion: 3 };
    expect(judge({ ...v1, certVersion: 2, status: 'revoked' }, {}, v3)).toBe('ok');
    expect(judge({ ...v1, device: 'dev-b', certVersion: 2, status: 'revoked' })).toBe('ok');
  });
  it('refuses a certificate without any of the required roles', () => {
    expect(judge(null, { roles: ['admin'] }, cert({ roles: ['field', 'reviewer'] }))).toBe('ROLE_NOT_ALLOWED');
  });
});

describe('verifyWrappedKey', () => {
  const adminKeys = deviceKeys();
  const adminCert = cert({ device: 'dev-admin', user: 'boss', roles: ['admin'], signingKey: adminKeys.raw });
  const recipient = newEncryptionKeyPair();
  const wrap = (over: { wrappedBy?: string; cert?: SignedCertificate; signingKey?: typeof adminKeys.privateKey } = {}) =>
    wrapTenantKey({
      tenant: TENANT,
      keyVersion: 1,
      key: Buffer.alloc(32, 7),
      recipient: 'dev-field',
      recipientCertVersion: 2,
      recipientKey: recipient.publicRaw,
      wrappedBy: over.wrappedBy ?? 'dev-admin',
      wrappedAt: AT,
      signingKey: over.signingKey ?? adminKeys.privateKey,
      wrapperCert: over.cert ?? sign(adminCert),
    });
  const ctx = (over: Partial<Parameters<typeof verifyWrappedKey>[1]> = {}) => ({
    serverKey: server.publicKey,
    tenant: TENANT,
    device: 'dev-field',
    encryptionKey: recipient.publicRaw,
    latestCert: () => null,
    now: NOW,
    ...over,
  });

  it('accepts a key wrapped for this device by an admin device', () => {
    expect(verifyWrappedKey(wrap(), ctx())).toEqual({ ok: true });
  });
  it('refuses a malformed wrapped key', () => {
    const w = wrap();
    expect(code(verifyWrappedKey({ ...w, body: { ...w.body, tag: 'short' } }, ctx()))).toBe('KEY_MALFORMED');
    expect(code(verifyWrappedKey({ body: w.body, signature: w.signature }, ctx()))).toBe('KEY_MALFORMED');
  });
  it('refuses a key for another tenant, device or encryption key', () => {
    expect(code(verifyWrappedKey(wrap(), ctx({ tenant: 'globex' })))).toBe('KEY_WRONG_RECIPIENT');
    expect(code(verifyWrappedKey(wrap(), ctx({ device: 'dev-other' })))).toBe('KEY_WRONG_RECIPIENT');
    expect(code(verifyWrappedKey(wrap(), ctx({ encryptionKey: newEncryptionKeyPair().publicRaw })))).toBe('KEY_WRONG_RECIPIENT');
  });
  it('refuses a wrapper certificate the server did not sign', () => {
    expect(code(verifyWrappedKey(wrap({ cert: sign(adminCert, adminKeys.privateKey) }), ctx()))).toBe('CERT_BAD_SIGNATURE');
  });
  it('refuses a wrapper certificate of another device than wrappedBy', () => {
    expect(code(verifyWrappedKey(wrap({ wrappedBy: 'dev-b' }), ctx()))).toBe('KEY_WRAPPER_MISMATCH');
  });
  it('refuses a key wrapped by a device without the admin role', () => {
    const reviewer = cert({ device: 'dev-admin', roles: ['reviewer'], signingKey: adminKeys.raw });
    expect(code(verifyWrappedKey(wrap({ cert: sign(reviewer) }), ctx()))).toBe('ROLE_NOT_ALLOWED');
  });
  it('refuses a key wrapped by a device revoked since', () => {
    const latestCert = (d: string) => (d === 'dev-admin' ? { ...adminCert, certVersion: 2, status: 'revoked' as const } : null);
    expect(code(verifyWrappedKey(wrap(), ctx({ latestCert })))).toBe('CERT_REVOKED');
  });
  it('refuses a key not signed with the wrapper certificate key', () => {
    expect(code(verifyWrappedKey(wrap({ signingKey: deviceKeys().privateKey }), ctx()))).toBe('KEY_BAD_SIGNATURE');
    const w = wrap();
    expect(code(verifyWrappedKey({ ...w, body: { ...w.body, keyVersion: 2 } }, ctx()))).toBe('KEY_BAD_SIGNATURE');
  });
});
