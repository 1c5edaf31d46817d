// Device certificates (team sync, issue 9): the server signs what it knows of a device (tenant,
// user, roles, signing and encryption keys, status) so other devices of the tenant can check each
// other offline against the server key they pinned at enrollment. Storage decides when a version is
// issued (inside the transaction that changes the device); this module builds and signs it.
import { createPublicKey } from 'node:crypto';
import { DAY_MS } from '../shared/risk';
import { CERT_LIFETIME_DAYS, CERT_RENEW_DAYS, certificateSigningBytes, type DeviceCertificate, type SignedCertificate } from '../shared/team/protocol';
import type { ServerKey } from './crypto/server-key';
import { keyRingOf } from './crypto/server-key-ring';
import { normalizeRoles } from './storage/team';
import type { Certify } from './storage/types';

/** Builds and signs certificate versions with the server key active at `issuedAt` (named in the certificate). */
export function certifier(signer: ServerKey): Certify {
  return (device, version, issuedAt) => {
    const serverKey = keyRingOf(signer).active(new Date(issuedAt));
    const cert: DeviceCertificate = {
      type: 'maestro.device-cert.v1',
      tenant: device.tenant,
      device: device.id,
      user: device.user,
      roles: normalizeRoles(device.roles),
      signingKey: device.publicKey,
      encryptionKey: device.encryptionKey,
      status: device.revokedAt === null ? 'active' : 'revoked',
      issuedAt,
      expiresAt: new Date(Date.parse(issuedAt) + CERT_LIFETIME_DAYS * DAY_MS).toISOString(),
      certVersion: version,
      serverKeyId: serverKey.keyId,
    };
    return { cert, signature: serverKey.sign(certificateSigningBytes(cert)) };
  };
}

/** True when fewer than CERT_RENEW_DAYS remain before the certificate expires at `now`. */
export function needsRenewal(now: Date): (c: SignedCertificate) => boolean {
  return (c) => !(Date.parse(c.cert.expiresAt) - now.getTime() >= CERT_RENEW_DAYS * DAY_MS);
}

/** Whether base64 text is a raw X25519 public key node:crypto accepts. */
export function isX25519PublicKey(b64: string): boolean {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== b64) return false;
  try {
    createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}
