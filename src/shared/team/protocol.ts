// Team sync (issue 9): device certificates, tenant data keys wrapped per device, the pull path and
// approvals signed by a reviewer's device. Pure: callers bring node:crypto (Ed25519, X25519, HKDF,
// AES-256-GCM, SHA-256). Every signed object is RFC 8785 canonical JSON with a `type` inside it.
// docs/security.md explains the scheme and its limits.
import { canonicalJson } from '../canonical';
import type { SignedReceipt, SyncItemWire } from '../sync/protocol';

export type TeamRole = 'field' | 'reviewer' | 'admin';
export const TEAM_ROLE_RANK: Record<TeamRole, number> = { field: 0, reviewer: 1, admin: 2 };
export const topRole = (roles: readonly TeamRole[]): TeamRole =>
  roles.reduce<TeamRole>((best, r) => (TEAM_ROLE_RANK[r] > TEAM_ROLE_RANK[best] ? r : best), 'field');
/** Roles whose device may sign an approval or a rejection. */
export const APPROVER_ROLES: readonly TeamRole[] = ['reviewer', 'admin'];

// ---------------------------------------------------------------- certificates

/** Days a certificate is valid; the server issues a renewal (same keys and roles) within the last 30. */
export const CERT_LIFETIME_DAYS = 365;
export const CERT_RENEW_DAYS = 30;

/**
 * Issued and signed by the sync server (its pinned Ed25519 key) at enrollment; a new `certVersion`
 * for every revocation, role change, encryption-key registration or renewal.
 */
export interface DeviceCertificate {
  type: 'maestro.device-cert.v1';
  tenant: string;
  device: string;
  user: string;
  roles: TeamRole[];
  /** base64 of the raw 32-byte Ed25519 public key the device signs requests and statements with */
  signingKey: string;
  /** base64 of the raw 32-byte X25519 public key tenant keys are wrapped to; null until registered */
  encryptionKey: string | null;
  status: 'active' | 'revoked';
  issuedAt: string;
  expiresAt: string;
  /** 1, 2, … per device */
  certVersion: number;
  serverKeyId: string;
}
export interface SignedCertificate {
  cert: DeviceCertificate;
  /** base64 Ed25519 signature of the server over certificateSigningBytes(cert) */
  signature: string;
}
export const certificateSigningBytes = (c: DeviceCertificate): string => canonicalJson(c);

// ---------------------------------------------------------------- tenant keys

/**
 * One tenant data-key version wrapped for one device (HPKE base mode shape, from node:crypto):
 * an ephemeral X25519 key pair, shared = X25519(ephemeral, recipientKey),
 * key = HKDF-SHA256(shared, salt = ephemeralKey ‖ recipientKey (raw bytes), info = wrapInfo(body)),
 * AES-256-GCM(key, iv, tenantKey, aad = wrapInfo(body)). The wrapping admin device signs the body.
 */
export interface WrappedKeyBody {
  type: 'maestro.wrapped-key.v1';
  tenant: string;
  keyVersion: number;
  recipient: string;
  recipientCertVersion: number;
  /** base64 raw X25519 public key of the recipient (from its certificate) */
  recipientKey: string;
  /** base64 raw X25519 public key of the ephemeral pair */
  ephemeralKey: string;
  /** base64 12 bytes */
  iv: string;
  /** base64 of the 32 encrypted key bytes */
  ciphertext: string;
  /** base64 16 bytes */
  tag: string;
  /** device id of the admin device that wrapped it */
  wrappedBy: string;
  wrappedAt: string;
}
export interface SignedWrappedKey {
  body: WrappedKeyBody;
  /** base64 Ed25519 signature of the wrapping device over wrappedKeySigningBytes(body) */
  signature: string;
  /** certificate of the wrapping device (must hold the admin role) */
  wrapperCert: SignedCertificate;
}
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
export interface TeamKeysStatus {
  tenant: string;
  /** Every tenant key version, oldest first (who created it and when; never the key). */
  versions: { version: number; createdBy: string; createdAt: string }[];
  /** Versions wrapped for the calling device. */
  mine: number[];
  /**
   * Admins only (empty for others): active devices with an encryption key that lack a wrapped copy
   * of some version, with the versions they lack and their current certificate (at most 500 devices).
   */
  missing: { device: string; versions: number[]; certificate: SignedCertificate }[];
}
/**
 * GET /v1/team/keys/mine: every tenant key version wrapped for the calling device. The feed carries
 * them too, but in server order, after the items sealed under them: a device that enrolled late
 * fetches its keys first so its pull never waits on a key queued behind what it unlocks.
 */
export interface MyWrappedKeys {
  wrapped: SignedWrappedKey[];
}
export const MY_KEYS_PATH = '/v1/team/keys/mine';

/** POST /v1/team/keys (admin devices). `create` registers a new version (must be latest + 1; the first admin wins). */
export interface TeamKeysPost {
  create?: { version: number };
  wrapped: SignedWrappedKey[];
}
export interface TeamKeysPostResponse {
  created: boolean;
  /** Wrapped keys stored now (duplicates of stored ones are not counted). */
  stored: number;
}
/** POST /v1/team/encryption-key: a device enrolled before team sync registers its X25519 key. */
export interface EncryptionKeyPost {
  encryptionKey: string;
}
export interface CertificateResponse {
  certificate: SignedCertificate;
}

// ---------------------------------------------------------------- approvals

export interface ApprovalStatement {
  type: 'maestro.approval.v1';
  /** ULID */
  approvalId: string;
  tenant: string;
  runId: string;
  /** the card the run waits on (run.awaiting_card) */
  cardId: string;
  /** device id of the field device that owns the run */
  runDevice: string;
  decision: 'approved' | 'rejected';
  comment: string;
  by: { user: string; device: string; certVersion: number; role: TeamRole };
  at: string;
}
export interface SignedApproval {
  statement: ApprovalStatement;
  /** base64 Ed25519 signature of the deciding device over approvalSigningBytes(statement) */
  signature: string;
  /** the deciding device's certificate at `statement.by.certVersion` */
  certificate: SignedCertificate;
}
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
export interface DeviceEventWire {
  type: 'enrolled' | 'revoked' | 'roles' | 'blocked' | 'unblocked' | 'encryption-key';
  device: string;
  user: string;
  at: string;
  reason: string | null;
}

export type FeedKind = 'item' | 'cert' | 'key' | 'event';
export interface FeedItemWire {
  /** server order, strictly increasing within the tenant */
  seq: number;
  kind: FeedKind;
  /** when the server appended it */
  at: string;
  /** kind item: a stored sync item, who sent it and the receipt the server issued for it */
  item?: { from: string; fromUser: string; wire: SyncItemWire; receipt: SignedReceipt };
  /** kind cert: a certificate (new device, revocation, role change, new encryption key, renewal) */
  cert?: SignedCertificate;
  /** kind key: a tenant key version wrapped for the pulling device */
  key?: SignedWrappedKey;
  /** kind event (admins) */
  event?: DeviceEventWire;
}

/** GET /v1/sync/changes?since=<seq>&limit=<1..1000>&wait=<0..30 seconds> */
export interface ChangesResponse {
  /** echoes `since`; the device refuses a page that does not start at its cursor */
  since: number;
  /** the position the page scanned to (≥ every item's seq); the next `since` */
  until: number;
  hasMore: boolean;
  items: FeedItemWire[];
  serverTime: string;
  /**
   * The signed bundles the server offers (name and advisory version): how policy, workflow and
   * contract updates reach every device on the pull. The device fetches and verifies newer ones.
   */
  bundles?: { name: string; version: string | null }[];
}
export const CHANGES_PATH = '/v1/sync/changes';
export const CHANGES_MAX_LIMIT = 1000;
export const CHANGES_MAX_WAIT_S = 30;

/** Result error code of a sync item the server refused because another decision for the card came first. */
export const APPROVAL_CONFLICT = 'CONFLICT';
/** details of that refusal */
export interface ApprovalConflictDetails {
  reason: 'card_decided';
  winner: { device: string; user: string; serverSeq: number; receivedAt: string };
}
