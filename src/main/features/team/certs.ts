// Checks on what the sync server and other devices hand this device: certificates (signed by the
// pinned server key), the signer rules every signed statement must pass, and wrapped tenant keys.
import type { KeyObject } from 'node:crypto';
import type { ServerKeyResolver } from '../../platform/device/server-keys';

/** The server keys a check trusts: a ring (by the key id and time an object names), or one key. */
export type ServerKeys = ServerKeyResolver | KeyObject;
import {
  certificateSigningBytes,
  wrappedKeySigningBytes,
  type DeviceCertificate,
  type SignedCertificate,
  type SignedWrappedKey,
  type TeamRole,
} from '../../../shared/team/protocol';
import { signedCertificateSchema, signedWrappedKeySchema } from '../../../shared/team/schemas';
import { lazyValidator } from '../../../shared/validation';
import { publicKeyFromRaw, verifyBase64 } from '../../../platform/ed25519';

export type Refusal = { ok: false; code: string; message: string };
export type Check = { ok: true } | Refusal;

export const refuse = (code: string, message: string): Refusal => ({ ok: false, code, message });
const OK: Check = { ok: true };

/** How far a statement's time may run ahead of this device's clock. */
const FUTURE_SKEW_MS = 5 * 60_000;

const validCertificate = lazyValidator(signedCertificateSchema);
const validWrappedKey = lazyValidator(signedWrappedKeySchema);

/** Ed25519 signature by a raw base64 public key; false for a key that does not import. */
export function signedBy(bytes: string, signature: string, rawKey: string): boolean {
  try {
    return verifyBase64(publicKeyFromRaw(rawKey), bytes, signature);
  } catch {
    return false;
  }
}

/** Signed by the server key the certificate names, one this device trusts for its issue time (server key rotation). */
export function verifyCertificate(sc: unknown, serverKeys: ServerKeys, expect: { tenant: string }): Check {
  if (!validCertificate(sc)) return refuse('CERT_MALFORMED', 'device certificate does not match its schema');
  const { cert, signature } = sc as SignedCertificate;
  const key = 'keyFor' in serverKeys ? serverKeys.keyFor(cert.serverKeyId, cert.issuedAt) : serverKeys;
  if (!key || !verifyBase64(key, certificateSigningBytes(cert), signature))
    return refuse('CERT_BAD_SIGNATURE', `certificate of device ${cert.device} is not signed by a server key this device trusts`);
  if (cert.tenant !== expect.tenant)
    return refuse('CERT_WRONG_TENANT', `certificate of device ${cert.device} is for tenant ${cert.tenant}, not ${expect.tenant}`);
  return OK;
}

/**
 * The rules a statement signed under `cert` at `o.at` must pass. `latest` is the newest certificate
 * this device holds for the signer: a newer one that revokes, changes the signing key or takes the
 * required role away overrides `cert`; a renewal (same key and roles) does not.
 */
export function judgeSigner(cert: DeviceCertificate, latest: DeviceCertificate | null, o: { at: string; now: Date; roles?: readonly TeamRole[] }): Check {
  const who = `device ${cert.device} (certificate v${cert.certVersion})`;
  if (cert.status !== 'active') return refuse('CERT_REVOKED', `${who} is revoked`);
  const at = Date.parse(o.at);
  if (at > o.now.getTime() + FUTURE_SKEW_MS) return refuse('STATEMENT_IN_FUTURE', `${who} signed at ${o.at}, later than this device's clock allows`);
  // Written so that an unparsable time is refused too.
  if (!(at >= Date.parse(cert.issuedAt) - FUTURE_SKEW_MS && at <= Date.parse(cert.expiresAt))) return refuse('CERT_EXPIRED', `${who} was not valid at ${o.at}`);
  const hasRole = (c: DeviceCertificate) => !o.roles || c.roles.some((r) => o.roles?.includes(r));
  if (latest && latest.device === cert.device && latest.certVersion > cert.certVersion) {
    if (latest.status !== 'active') return refuse('CERT_REVOKED', `${who} was revoked by certificate v${latest.certVersion}`);
    if (latest.signingKey !== cert.signingKey)
      return refuse('CERT_SUPERSEDED', `${who} was replaced by certificate v${latest.certVersion} with another signing key`);
    if (!hasRole(latest))
      return refuse('CERT_SUPERSEDED', `certificate v${latest.certVersion} of device ${cert.device} no longer grants ${o.roles?.join(' or ')}`);
  }
  if (!hasRole(cert)) return refuse('ROLE_NOT_ALLOWED', `${who} holds ${cert.roles.join(', ')}, not ${o.roles?.join(' or ')}`);
  return OK;
}

export function verifyWrappedKey(
  w: unknown,
  ctx: { serverKey: ServerKeys; tenant: string; device: string; encryptionKey: string; latestCert: (device: string) => DeviceCertificate | null; now: Date },
): Check {
  if (!validWrappedKey(w)) return refuse('KEY_MALFORMED', 'wrapped key does not match its schema');
  const { body, signature, wrapperCert } = w as SignedWrappedKey;
  if (body.tenant !== ctx.tenant || body.recipient !== ctx.device || body.recipientKey !== ctx.encryptionKey) {
    return refuse('KEY_WRONG_RECIPIENT', `wrapped key ${body.tenant} v${body.keyVersion} is for ${body.recipient}, not this device and key`);
  }
  const certOk = verifyCertificate(wrapperCert, ctx.serverKey, { tenant: ctx.tenant });
  if (!certOk.ok) return certOk;
  if (wrapperCert.cert.device !== body.wrappedBy)
    return refuse('KEY_WRAPPER_MISMATCH', `wrapped by ${body.wrappedBy} but carries the certificate of ${wrapperCert.cert.device}`);
  const signer = judgeSigner(wrapperCert.cert, ctx.latestCert(body.wrappedBy), { at: body.wrappedAt, now: ctx.now, roles: ['admin'] });
  if (!signer.ok) return signer;
  if (!signedBy(wrappedKeySigningBytes(body), signature, wrapperCert.cert.signingKey))
    return refuse('KEY_BAD_SIGNATURE', `wrapped key ${body.tenant} v${body.keyVersion} is not signed by ${body.wrappedBy}`);
  return OK;
}
