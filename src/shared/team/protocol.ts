// Team sync (issue 9): device certificates, tenant data keys wrapped per device, the pull path and
// approvals signed by a reviewer's device. Pure: callers bring node:crypto (Ed25519, X25519, HKDF,
// AES-256-GCM, SHA-256). Every signed object is RFC 8785 canonical JSON with a `type` inside it.
// docs/security.md explains the scheme and its limits. Each wire object is declared once with
// TypeBox: its JSON Schema (draft 2020-12; re-exported by ./schemas.ts) and its type. The server
// validates what devices post; devices validate every page they pull before anything is applied.
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from '../canonical';
import { signedReceiptSchema, syncItemSchema } from '../sync/protocol';
import { b64, gcmIv, gcmTag, iso, rawKey, wireId } from '../sync/wire-formats';
import { constOf, enumOf, obj, stringOrNull } from '../typebox';
import { signedCertificateSchema, teamRoleSchema, teamRolesSchema } from './certificate';
import { serverKeysField } from '../sync/server-keys';

// ---------------------------------------------------------------- roles and certificates (./certificate.ts)

export {
  APPROVER_ROLES,
  CERT_LIFETIME_DAYS,
  CERT_RENEW_DAYS,
  certificateSigningBytes,
  TEAM_ROLE_RANK,
  topRole,
  type DeviceCertificate,
  type SignedCertificate,
  type TeamRole,
} from './certificate';

const version = Type.Integer({ minimum: 1 });

// ---------------------------------------------------------------- tenant keys

/**
 * One tenant data-key version wrapped for one device (HPKE base mode shape, from node:crypto):
 * an ephemeral X25519 key pair, shared = X25519(ephemeral, recipientKey),
 * key = HKDF-SHA256(shared, salt = ephemeralKey ‖ recipientKey (raw bytes), info = wrapInfo(body)),
 * AES-256-GCM(key, iv, tenantKey, aad = wrapInfo(body)). The wrapping admin device signs the body.
 */
const wrappedKeyBodySchema = obj({
  type: constOf('maestro.wrapped-key.v1'),
  tenant: wireId,
  keyVersion: version,
  recipient: wireId,
  recipientCertVersion: version,
  /** base64 raw X25519 public key of the recipient (from its certificate) */
  recipientKey: rawKey,
  /** base64 raw X25519 public key of the ephemeral pair */
  ephemeralKey: rawKey,
  /** base64 12 bytes */
  iv: gcmIv,
  /** base64 of the 32 encrypted key bytes */
  ciphertext: rawKey,
  /** base64 16 bytes */
  tag: gcmTag,
  /** device id of the admin device that wrapped it */
  wrappedBy: wireId,
  wrappedAt: iso,
});
export type WrappedKeyBody = Static<typeof wrappedKeyBodySchema>;

export const signedWrappedKeySchema = obj({
  body: wrappedKeyBodySchema,
  /** base64 Ed25519 signature of the wrapping device over wrappedKeySigningBytes(body) */
  signature: b64(200),
  /** certificate of the wrapping device (must hold the admin role) */
  wrapperCert: signedCertificateSchema,
});
export type SignedWrappedKey = Static<typeof signedWrappedKeySchema>;

export const wrappedKeySigningBytes = (b: WrappedKeyBody): string => canonicalJson(b);
/** HKDF info and GCM additional data: binds the wrapped key to tenant, version, recipient and both public keys. */
export const wrapInfo = (b: Pick<WrappedKeyBody, 'tenant' | 'keyVersion' | 'recipient' | 'recipientKey' | 'ephemeralKey'>): string =>
  canonicalJson({
    type: 'maestro.wrap-info.v1',
    tenant: b.tenant,
    keyVersion: b.keyVersion,
    recipient: b.recipient,
    recipientKey: b.recipientKey,
    ephemeralKey: b.ephemeralKey,
  });

/** GET /v1/team/keys */
export const teamKeysStatusSchema = obj({
  tenant: wireId,
  /** Every tenant key version, oldest first (who created it and when; never the key). */
  versions: Type.Array(obj({ version, createdBy: wireId, createdAt: iso })),
  /** Versions wrapped for the calling device. */
  mine: Type.Array(version),
  /**
   * Admins only (empty for others): active devices with an encryption key that lack a wrapped copy
   * of some version, with the versions they lack and their current certificate (at most 500 devices).
   */
  missing: Type.Array(obj({ device: wireId, versions: Type.Array(version), certificate: signedCertificateSchema }), { maxItems: 500 }),
});
export type TeamKeysStatus = Static<typeof teamKeysStatusSchema>;

/**
 * GET /v1/team/keys/mine: every tenant key version wrapped for the calling device. The feed carries
 * them too, but in server order, after the items sealed under them: a device that enrolled late
 * fetches its keys first so its pull never waits on a key queued behind what it unlocks.
 */
export const myWrappedKeysSchema = obj({ wrapped: Type.Array(signedWrappedKeySchema, { maxItems: 10000 }) });
export type MyWrappedKeys = Static<typeof myWrappedKeysSchema>;
export const MY_KEYS_PATH = '/v1/team/keys/mine';

/** POST /v1/team/keys (admin devices). `create` registers a new version (must be latest + 1; the first admin wins). */
export const teamKeysPostSchema = obj({
  create: Type.Optional(obj({ version })),
  wrapped: Type.Array(signedWrappedKeySchema, { maxItems: 1000 }),
});
export type TeamKeysPost = Static<typeof teamKeysPostSchema>;

export const teamKeysPostResponseSchema = obj({
  created: Type.Boolean(),
  /** Wrapped keys stored now (duplicates of stored ones are not counted). */
  stored: Type.Integer({ minimum: 0 }),
});
export type TeamKeysPostResponse = Static<typeof teamKeysPostResponseSchema>;

/** POST /v1/team/encryption-key: a device enrolled before team sync registers its X25519 key. */
export const encryptionKeyPostSchema = obj({ encryptionKey: rawKey });
export type EncryptionKeyPost = Static<typeof encryptionKeyPostSchema>;

export const certificateResponseSchema = obj({ certificate: signedCertificateSchema });
export type CertificateResponse = Static<typeof certificateResponseSchema>;

/** A device's new roles, set by an admin. */
export const rolesChangeSchema = obj({ roles: teamRolesSchema, reason: Type.String({ minLength: 1, maxLength: 500 }), confirm: constOf(true) });

// ---------------------------------------------------------------- approvals

const approvalStatementSchema = obj({
  type: constOf('maestro.approval.v1'),
  /** ULID */
  approvalId: wireId,
  tenant: wireId,
  runId: wireId,
  /** the card the run waits on (run.awaiting_card) */
  cardId: wireId,
  /** device id of the field device that owns the run */
  runDevice: wireId,
  decision: enumOf(['approved', 'rejected']),
  comment: Type.String({ maxLength: 2000 }),
  by: obj({ user: Type.String({ minLength: 1, maxLength: 120 }), device: wireId, certVersion: version, role: teamRoleSchema }),
  at: iso,
});
export type ApprovalStatement = Static<typeof approvalStatementSchema>;

export const signedApprovalSchema = obj({
  statement: approvalStatementSchema,
  /** base64 Ed25519 signature of the deciding device over approvalSigningBytes(statement) */
  signature: b64(200),
  /** the deciding device's certificate at `statement.by.certVersion` */
  certificate: signedCertificateSchema,
});
export type SignedApproval = Static<typeof signedApprovalSchema>;
export const approvalSigningBytes = (s: ApprovalStatement): string => canonicalJson(s);

// ---------------------------------------------------------------- shared items (plaintext inside the ciphertext)

/** Fixed contract refs of the items team sync adds; the server accepts them without a registry entry. */
export const TEAM_CONTRACTS = {
  run: 'maestro.share.run@1.0.0',
  card: 'maestro.share.card@1.0.0',
  approval: 'maestro.decide.approval@1.0.0',
} as const;
export type TeamItemKind = keyof typeof TEAM_CONTRACTS;

// ---------------------------------------------------------------- the pull path

/** Device events admins pull. */
const deviceEventSchema = obj({
  type: enumOf(['enrolled', 'revoked', 'roles', 'blocked', 'unblocked', 'encryption-key']),
  device: wireId,
  user: Type.String({ maxLength: 120 }),
  at: iso,
  reason: stringOrNull({ maxLength: 2000 }),
});
export type DeviceEventWire = Static<typeof deviceEventSchema>;

const feedKindSchema = enumOf(['item', 'cert', 'key', 'event']);
export type FeedKind = Static<typeof feedKindSchema>;

const feedItemSchema = obj({
  /** server order, strictly increasing within the tenant */
  seq: Type.Integer({ minimum: 1 }),
  kind: feedKindSchema,
  /** when the server appended it */
  at: iso,
  /** kind item: a stored sync item, who sent it and the receipt the server issued for it */
  item: Type.Optional(obj({ from: wireId, fromUser: Type.String({ maxLength: 120 }), wire: syncItemSchema, receipt: signedReceiptSchema })),
  /** kind cert: a certificate (new device, revocation, role change, new encryption key, renewal) */
  cert: Type.Optional(signedCertificateSchema),
  /** kind key: a tenant key version wrapped for the pulling device */
  key: Type.Optional(signedWrappedKeySchema),
  /** kind event (admins) */
  event: Type.Optional(deviceEventSchema),
});
export type FeedItemWire = Static<typeof feedItemSchema>;

export const CHANGES_PATH = '/v1/sync/changes';
export const CHANGES_MAX_LIMIT = 1000;
export const CHANGES_MAX_WAIT_S = 30;

/** GET /v1/sync/changes?since=<seq>&limit=<1..1000>&wait=<0..30 seconds> */
export const changesResponseSchema = obj({
  /** echoes `since`; the device refuses a page that does not start at its cursor */
  since: Type.Integer({ minimum: 0 }),
  /** the position the page scanned to (≥ every item's seq); the next `since` */
  until: Type.Integer({ minimum: 0 }),
  hasMore: Type.Boolean(),
  items: Type.Array(feedItemSchema, { maxItems: 1000 }),
  serverTime: Type.String(),
  /**
   * The signed bundles the server offers (name and advisory version): how policy, workflow and
   * contract updates reach every device on the pull. The device fetches and verifies newer ones.
   */
  bundles: Type.Optional(Type.Array(obj({ name: Type.String({ maxLength: 100 }), version: stringOrNull({ maxLength: 256 }) }), { maxItems: 200 })),
  /** The server key chain (sync/server-keys.ts): only when the request sent H_SERVER_KEYS naming another newest key. */
  serverKeys: Type.Optional(serverKeysField),
});
export type ChangesResponse = Static<typeof changesResponseSchema>;

/** Result error code of a sync item the server refused because another decision for the card came first. */
export const APPROVAL_CONFLICT = 'CONFLICT';
/** details of that refusal */
export interface ApprovalConflictDetails {
  reason: 'card_decided';
  winner: { device: string; user: string; serverSeq: number; receivedAt: string };
}
