// Team sync roles and device certificates (the part of ./protocol.ts the sync protocol's enrollment
// reply names), declared once with TypeBox: JSON Schema and type. ./protocol.ts re-exports all of it.
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from '../canonical';
import { b64, iso, rawKey, wireId } from '../sync/wire-formats';
import { constOf, enumOf, obj } from '../typebox';

export const teamRoleSchema = enumOf(['field', 'reviewer', 'admin']);
export type TeamRole = Static<typeof teamRoleSchema>;
export const TEAM_ROLE_RANK: Record<TeamRole, number> = { field: 0, reviewer: 1, admin: 2 };
export const topRole = (roles: readonly TeamRole[]): TeamRole =>
  roles.reduce<TeamRole>((best, r) => (TEAM_ROLE_RANK[r] > TEAM_ROLE_RANK[best] ? r : best), 'field');
/** Roles whose device may sign an approval or a rejection. */
export const APPROVER_ROLES: readonly TeamRole[] = ['reviewer', 'admin'];
/** A device's roles: one to three, no repeats. */
export const teamRolesSchema = Type.Array(teamRoleSchema, { minItems: 1, maxItems: 3, uniqueItems: true });

/** Days a certificate is valid; the server issues a renewal (same keys and roles) within the last 30. */
export const CERT_LIFETIME_DAYS = 365;
export const CERT_RENEW_DAYS = 30;

/**
 * Issued and signed by the sync server (its pinned Ed25519 key) at enrollment; a new `certVersion`
 * for every revocation, role change, encryption-key registration or renewal.
 */
const deviceCertificateSchema = obj({
  type: constOf('maestro.device-cert.v1'),
  tenant: wireId,
  device: wireId,
  user: Type.String({ minLength: 1, maxLength: 120 }),
  roles: teamRolesSchema,
  /** base64 of the raw 32-byte Ed25519 public key the device signs requests and statements with */
  signingKey: rawKey,
  /** base64 of the raw 32-byte X25519 public key tenant keys are wrapped to; null until registered */
  encryptionKey: Type.Union([rawKey, Type.Null()]),
  status: enumOf(['active', 'revoked']),
  issuedAt: iso,
  expiresAt: iso,
  /** 1, 2, … per device */
  certVersion: Type.Integer({ minimum: 1 }),
  serverKeyId: Type.String({ maxLength: 100 }),
});
export type DeviceCertificate = Static<typeof deviceCertificateSchema>;

export const signedCertificateSchema = obj({
  cert: deviceCertificateSchema,
  /** base64 Ed25519 signature of the server over certificateSigningBytes(cert) */
  signature: b64(200),
});
export type SignedCertificate = Static<typeof signedCertificateSchema>;

export const certificateSigningBytes = (c: DeviceCertificate): string => canonicalJson(c);
