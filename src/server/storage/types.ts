// Repository interface the HTTP layer depends on. Routes never touch SQL; the SQLite and
// PostgreSQL implementations behind it are interchangeable (one integration suite runs on both).
// Every method is async so a networked database fits; SQLite simply resolves immediately.
import type { RiskLevel, RiskPolicy } from '../../shared/risk';
import type { RateLimiter, RateLimitOptions } from '../auth/rate-limit';
import type { BlobStore } from '../blobs/types';
import type { ServerKeyStorage } from './keys-types';
import type { SyncItemWire } from '../../shared/sync/protocol';
import type { ApprovalConflictDetails, FeedKind, SignedCertificate, TeamKeysStatus } from '../../shared/team/protocol';

export type Role = 'field' | 'reviewer' | 'admin';
export type StorageBackend = 'sqlite' | 'postgres';

export interface StorageHealth {
  ok: boolean;
  /** Raw integrity-check output ("ok", or the problems the database reported). */
  detail: string;
  sizeBytes: number;
}

/** What /readyz asks of the storage: cheap checks, answered within a second. */
export interface StorageReadiness {
  /** The database answered a trivial query in time. */
  db: boolean;
  /** This build runs on the schema (equal, or newer and declared compatible: postgres-migrate.ts). */
  schema: boolean;
  /** PostgreSQL only: the LISTEN connection that wakes pulls across instances is up. */
  listen?: boolean;
}

export interface SyncStats {
  itemsStored: number;
  lastServerSeq: number;
  devices: number;
  flaggedDevices: number;
  revokedDevices: number;
}

/** One row for server_audit. The time is passed in so the route's clock is the only clock. */
export interface AuditInput {
  ts: string;
  actor: string;
  action: string;
  subject: string;
  payload: Record<string, unknown>;
}

export interface EnrollmentTokenInput {
  /** SHA-256 hex of the token; the token itself is never stored. */
  tokenHash: string;
  tenant: string;
  user: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

export interface DeviceRecord {
  id: string;
  tenant: string;
  user: string;
  roles: Role[];
  name: string;
  /** base64 of the raw 32-byte Ed25519 public key */
  publicKey: string;
  enrolledAt: string;
  revokedAt: string | null;
  flaggedAt: string | null;
  lastSyncAt: string | null;
  appVersion: string | null;
  /** 0 and 64 zeros until the device anchors its audit log for the first time. */
  lastAnchorSeq: number;
  lastAnchorHash: string;
  /** Merkle tree frontier (perfect-subtree roots, largest first) at the anchored head; [] when not yet built. */
  anchorFrontier: string[];
  /** As last reported by the device (deviceState); 0 / {} until it reports. */
  pendingCount: number;
  deadLetterCount: number;
  contractVersions: Record<string, string>;
  blockedAt: string | null;
  blockedReason: string | null;
  updateRequiredAt: string | null;
  /** Rank (0 low … 3 critical) of the version rules (contracts, app), computed at the device's last sync. */
  versionLevel: number;
  /** Stored risk rank (0 low … 3 critical); see storage/common.ts for when it is written. */
  riskLevel: number;
  /** base64 of the raw 32-byte X25519 public key tenant keys are wrapped to (team sync); null until registered. */
  encryptionKey: string | null;
  /** Version of the device's current certificate; 0 until the first is issued (devices enrolled before team sync). */
  certVersion: number;
}

export interface NewDevice {
  id: string;
  name: string;
  publicKey: string;
  appVersion: string;
  enrolledAt: string;
  encryptionKey: string | null;
}

/**
 * Builds and signs certificate `version` of `device` as its row stands after the change that
 * issues it (called inside the storage transaction; must not do I/O).
 */
export type Certify = (device: DeviceRecord, version: number, issuedAt: string) => SignedCertificate;

export type EnrollResult =
  | { ok: true; device: DeviceRecord; certificate: SignedCertificate }
  /** Unknown, already used or expired: deliberately not distinguished to the caller. */
  | { ok: false };

export interface ContractRef {
  name: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
}

export interface ContractVersionRow extends ContractRef {
  /** True when this version raised the major over every earlier registered version. */
  breaking: boolean;
  registeredAt: string;
}

/** An item that passed validation, ready to store. */
export interface NewItem {
  idempotencyKey: string;
  contract: string;
  kind: SyncItemWire['kind'];
  createdAt: string;
  keyVersion: number;
  ciphertext: Buffer;
  iv: string;
  tag: string;
  contentHash: string;
  /** 'tenant': sealed under a tenant key; a new item gets a team_feed row. null: never pulled. */
  keyScope?: 'tenant' | null;
  /** Approval items: the card decided (the first decision per tenant and card wins). */
  subject?: string | null;
  /** Approval items: the device whose run it decides (its feed row is addressed there). */
  to?: string | null;
  /** Blob ids the item needs stored (checked by the route before ingest; named in the receipt). */
  attachments?: readonly string[];
}

export interface StoredReceipt {
  /** JSON text of the ReceiptBody exactly as first issued; duplicates return these bytes. */
  json: string;
  signature: string;
}

/** A receipt built for a new item, before it is signed. */
export interface IssuedReceipt {
  json: string;
  /** The exact bytes the server signs (receiptSigningBytes of the body). */
  signingBytes: string;
}

export interface IngestRequest {
  tenant: string;
  device: string;
  /** The sending device's user (recorded with an approval that wins its card). */
  user?: string;
  appVersion: string;
  receivedAt: string;
  items: NewItem[];
  /** Registry fields recorded on the device row in the same transaction. */
  registry?: DeviceRegistryUpdate;
  /** Builds the receipt of a new item once its server_seq is known (inside the transaction). */
  receiptFor(item: NewItem, serverSeq: number): IssuedReceipt;
  /** Signing bytes of a stored receipt body, to re-sign a row a crash left unsigned. */
  signingBytesOf(receiptJson: string): string;
  /** Ed25519 signatures in order; may run on worker threads while earlier batches are written. */
  sign(messages: readonly string[]): Promise<string[]>;
}

/** What an accepted batch records about its device besides lastSyncAt and appVersion. */
export interface DeviceRegistryUpdate {
  /** From the batch's deviceState; null keeps the stored values. */
  state: { pendingCount: number; deadLetterCount: number; contractVersions: Record<string, string> } | null;
  versionLevel: number;
  /** Risk rank from the batch's evaluation, ignoring the blocked / update-required flags (re-applied in SQL). */
  baseLevel: number;
  snapshot: SnapshotInput;
}

/** One row of device_snapshots: a device's risk on a UTC day (upserted, last write of the day wins). */
export interface SnapshotInput {
  day: string;
  device: string;
  tenant: string;
  level: RiskLevel;
  pendingCount: number;
  deadLetterCount: number;
  lastSyncAt: string | null;
}

export type DeviceSort = 'lastSyncAt' | 'level' | 'pending' | 'daysOffline';

export interface DeviceListQuery {
  tenant: string;
  /** ISO time the offline rules are evaluated at. */
  now: string;
  policy: RiskPolicy;
  level?: RiskLevel;
  /**
   * Case-insensitive prefix of the device id, user or name ("user-12" finds user-12 and user-120,
   * not boss-user-12); %, _ and \ are literal. Case folding: ASCII in SQLite, lower() in PostgreSQL.
   */
  q?: string;
  sort: DeviceSort;
  dir: 'asc' | 'desc';
  limit: number;
  /** Keyset position: the sort key values and id of the last row of the previous page. */
  after?: { key: (string | number)[]; id: string };
}

export interface DeviceListPage {
  rows: DeviceRecord[];
  total: number;
}

export const HISTOGRAM_BUCKETS = ['0-1', '1-7', '7-14', '14-30', '30+'] as const;
export type HistogramBucket = (typeof HISTOGRAM_BUCKETS)[number];

export interface RiskSummaryCounts {
  levels: Record<RiskLevel, number>;
  daysSinceSync: Record<HistogramBucket, number>;
  revoked: number;
}

/** What the stored risk rank is evaluated against. */
export interface RiskContext {
  now: string;
  policy: RiskPolicy;
}

export type DeviceControl = 'block' | 'unblock' | 'require-update' | 'clear-update';

/** What a device's version level depends on. */
export interface VersionLevelInput {
  id: string;
  tenant: string;
  contractVersions: Record<string, string>;
  appVersion: string | null;
}

/**
 * Recomputing devices.version_level (and with it risk_level) without waiting for each device's next
 * sync: after the contract registry changed (server start with new contracts) or a tenant's
 * latestAppVersion did.
 */
export interface VersionLevelRecompute {
  /** Devices that use any of these contract names (every tenant), or every device of one tenant. */
  scope: { contracts: readonly string[] } | { tenant: string };
  /** A device's version level (0 … 3) under its tenant's policy: the shared calculator, run by the caller. */
  levelOf(device: VersionLevelInput, policy: RiskPolicy): number;
  /** Time the recomputed risk ranks are evaluated at. */
  now: string;
  /** Devices read and written per transaction (default VERSION_LEVEL_BATCH). */
  batchSize?: number;
}

export const VERSION_LEVEL_BATCH = 1000;

export type IngestOutcome =
  | { status: 'accepted' | 'duplicate'; receipt: StoredReceipt }
  | { status: 'conflict'; storedContentHash: string }
  /** An approval for a card another approval (another idempotency key) already decided: nothing stored. */
  | { status: 'decided'; winner: ApprovalConflictDetails['winner'] };

export interface AuditHashRow {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AnchorAdvance {
  device: string;
  /** The anchored head the decision was based on; the write is refused if it moved meanwhile. */
  expected: { seq: number; hash: string };
  entries: AuditHashRow[];
  head: { seq: number; hash: string };
  /** The tree frontier at `head` (stored with it). */
  frontier: string[];
  audit: AuditInput;
}

export interface EquivocationInput {
  device: string;
  seq: number;
  storedHash: string;
  claimedHash: string;
  detectedAt: string;
  evidence: Record<string, unknown>;
  audit: AuditInput;
}

/** Who may see a team_feed row: to_device, or any device whose rank (field 0, reviewer 1, admin 2) reaches min_role. */
export const FEED_MIN_ROLE = { everyone: 0, reviewers: 1, admins: 2, recipientOnly: 99 } as const;

export interface RolesChange {
  id: string;
  /** The device must belong to this tenant; null (CLI): any tenant. */
  tenant: string | null;
  /** New roles (sorted, unique). */
  roles: Role[];
  reason: string;
  audit: AuditInput;
  certify: Certify;
}

export type RolesChangeResult =
  { ok: true; device: DeviceRecord; certificate: SignedCertificate; changed: boolean } | { ok: false; reason: 'not_found' | 'revoked' };

export interface EncryptionKeyRegistration {
  id: string;
  /** base64 raw X25519 public key */
  key: string;
  audit: AuditInput;
  certify: Certify;
}

export type EncryptionKeyResult =
  | { ok: true; certificate: SignedCertificate; changed: boolean }
  /** The device already registered another key: keys wrapped to it would be unreadable with the new one. */
  | { ok: false; reason: 'key_set' | 'not_found' };

export interface CertificateRequest {
  id: string;
  at: string;
  certify: Certify;
  /** True when the current certificate is close enough to expiry to be renewed (same keys and roles). */
  needsRenewal(current: SignedCertificate): boolean;
}

/** One wrapped tenant key of a POST /v1/team/keys, checked by the route (signatures) and stored by storage. */
export interface WrappedKeyWrite {
  version: number;
  recipient: string;
  recipientKey: string;
  recipientCertVersion: number;
  /** The certificate the wrapping device presented: canonical JSON of its cert, and its signature. */
  wrapperCert: { json: string; signature: string };
  /** JSON text of the SignedWrappedKey (stored and served as is). */
  json: string;
}

export interface TeamKeysWrite {
  tenant: string;
  /** The admin device posting. */
  by: string;
  at: string;
  /** A new key version (must be the latest + 1), or null. */
  create: number | null;
  wrapped: WrappedKeyWrite[];
  audit: AuditInput;
}

export type TeamKeysWriteResult =
  | { ok: true; created: boolean; stored: number }
  | { ok: false; code: 'CONFLICT' | 'FORBIDDEN' | 'VALIDATION_ERROR'; message: string; details: Record<string, unknown> };

export interface TeamKeysQuery {
  tenant: string;
  device: string;
  /** Admins: list the devices lacking wrapped copies. */
  withMissing: boolean;
  /** At most this many devices in `missing`. */
  cap: number;
}

export interface FeedQuery {
  tenant: string;
  device: string;
  /** The caller's rank: the highest of its roles (field 0, reviewer 1, admin 2). */
  rank: number;
  since: number;
  limit: number;
  /** Stop adding item rows once their ciphertext exceeds this many bytes (one row is always returned). */
  maxBytes: number;
}

export interface FeedItemRow {
  from: string;
  fromUser: string;
  idempotencyKey: string;
  contract: string;
  kind: SyncItemWire['kind'];
  createdAt: string;
  keyVersion: number;
  keyScope: 'tenant' | null;
  subject: string | null;
  to: string | null;
  ciphertext: Buffer;
  iv: string;
  tag: string;
  contentHash: string;
  receipt: StoredReceipt;
}

export interface FeedRow {
  seq: number;
  kind: FeedKind;
  at: string;
  /** JSON text for cert, key and event rows. */
  body: string | null;
  /** Kind item: the stored sync item (its receipt signature may still be '' in SQLite: being signed). */
  item: FeedItemRow | null;
}

export interface FeedPage {
  rows: FeedRow[];
  hasMore: boolean;
  /** Seq of the last row returned when hasMore; otherwise the tenant's highest feed seq (never below since). */
  until: number;
}

export interface ServerStorage extends ServerKeyStorage<AuditInput, Certify> {
  readonly backend: StorageBackend;
  /** PostgreSQL: the attachment blob store in the same database; absent: the server uses the filesystem. */
  blobStore?(): BlobStore;
  health(): Promise<StorageHealth>;
  /** For /readyz: never throws (a failure reads as not ready). */
  readiness(): Promise<StorageReadiness>;
  /** PostgreSQL: per-device rate buckets shared by every instance; absent: the server keeps them in memory. */
  rateLimiter?(opts: RateLimitOptions, nowMs: () => number): RateLimiter;
  stats(): Promise<SyncStats>;
  close(): Promise<void>;
  /** Metrics: the connection pool now (PostgreSQL; SQLite has none). */
  poolStats?(): { total: number; idle: number; waiting: number };
  /** Metrics: items the not-revoked devices of each tenant last reported as pending, summed per tenant. */
  queueDepths?(): Promise<{ tenant: string; pending: number }[]>;

  /** Inserts versions not yet known (computing `breaking`); returns every registered version. */
  registerContracts(refs: readonly ContractRef[], at: string): Promise<ContractVersionRow[]>;

  createEnrollmentToken(token: EnrollmentTokenInput, audit: AuditInput): Promise<void>;
  /**
   * Atomically: mark the token used (if unused and unexpired at `now`), insert the device, issue its
   * certificate version 1, append the cert and 'enrolled' feed rows, audit.
   */
  enrollDevice(tokenHash: string, now: string, device: NewDevice, certify: Certify): Promise<EnrollResult>;
  getDevice(id: string): Promise<DeviceRecord | null>;
  /**
   * Revokes a device of `tenant`; returns its revokedAt (the first one if already revoked), null if
   * not found. The first revocation issues a 'revoked' certificate and appends its feed rows.
   */
  revokeDevice(id: string, tenant: string | null, audit: AuditInput, cert: { certify: Certify; reason: string | null }): Promise<string | null>;

  // ---- team sync (issue 9)
  /** New roles, a new certificate version, feed rows and audit, in one transaction; unchanged roles change nothing. */
  setDeviceRoles(r: RolesChange): Promise<RolesChangeResult>;
  /** Registers the device's X25519 key (new certificate version); the same key again changes nothing. */
  registerEncryptionKey(r: EncryptionKeyRegistration): Promise<EncryptionKeyResult>;
  /** The device's current certificate, issuing version 1 (none yet) or a renewal (needsRenewal) first. */
  currentCertificate(r: CertificateRequest): Promise<SignedCertificate | null>;
  teamKeys(q: TeamKeysQuery): Promise<Omit<TeamKeysStatus, 'tenant'>>;
  /** Every wrapped key stored for `device` (the SignedWrappedKey JSON texts), oldest version first. */
  wrappedKeysFor(tenant: string, device: string): Promise<string[]>;
  /** Checks (inside the transaction) and stores a key version and wrapped keys; refused: nothing stored. */
  storeTeamKeys(w: TeamKeysWrite): Promise<TeamKeysWriteResult>;
  /** A page of the tenant's team feed visible to the device, in seq order. */
  pullFeed(q: FeedQuery): Promise<FeedPage>;
  /** Called (in this process) after every commit that appended feed rows of `tenant`; returns the unsubscribe. */
  subscribeFeed(tenant: string, listener: () => void): () => void;

  /** Records a request nonce; false when the device already used it (a replay). */
  rememberNonce(device: string, nonce: string, seenAt: string): Promise<boolean>;
  purgeNonces(seenBefore: string): Promise<number>;

  /** One transaction: every new item + its audit row, duplicates and conflicts classified, device last-sync updated. */
  ingestBatch(req: IngestRequest): Promise<IngestOutcome[]>;

  /** A page of the tenant's devices, filtered, sorted and paged in SQL, plus the filtered total (stored ranks refreshed first). */
  listDevices(q: DeviceListQuery): Promise<DeviceListPage>;
  /** Counts per risk level and a days-since-sync histogram of the tenant's devices that are not revoked. */
  riskSummary(q: { tenant: string; now: string; policy: RiskPolicy }): Promise<RiskSummaryCounts>;
  /** Newest first. */
  deviceSnapshots(device: string, limit: number): Promise<SnapshotInput[]>;
  upsertSnapshots(rows: readonly SnapshotInput[]): Promise<void>;
  /**
   * Applies an admin control to a device of `tenant` and writes its audit row (block and unblock also
   * append a device event for admins to the team feed); null if not found there.
   */
  controlDevice(id: string, tenant: string, control: DeviceControl, reason: string, audit: AuditInput, risk: RiskContext): Promise<DeviceRecord | null>;
  getRiskPolicy(tenant: string): Promise<RiskPolicy | null>;
  /** Stores the policy and recomputes the stored risk rank of every device of the tenant. */
  putRiskPolicy(tenant: string, policy: RiskPolicy, audit: AuditInput, now: string): Promise<void>;
  /**
   * Recomputes version_level of the devices in scope and, where it changed, their risk_level, in
   * batches (keyset on id), each batch read and written in one transaction so a concurrent sync is
   * never overwritten with a level computed from values it replaced. Returns rows examined / changed.
   */
  recomputeVersionLevels(r: VersionLevelRecompute): Promise<{ examined: number; changed: number }>;
  /** server_meta: small facts about this database (e.g. which registry the stored version levels reflect). */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  lastServerSeq(): Promise<number>;

  auditHashes(device: string, fromSeq: number, toSeq: number): Promise<AuditHashRow[]>;
  /** Compare-and-set of the device's anchored head plus the new hashes; false if the head moved. */
  advanceAnchor(a: AnchorAdvance): Promise<boolean>;
  /** Flags the device, stores the evidence and an audit row, in one transaction. */
  recordEquivocation(e: EquivocationInput): Promise<void>;
}

export type StorageErrorCode = 'DB_FROM_FUTURE' | 'DB_NOT_SQLITE' | 'DB_UNREACHABLE' | 'DB_MIGRATION_CHANGED';

/** Raised when opening would be unsafe or impossible; an SQLite file is left untouched. */
export class StorageOpenError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageOpenError';
  }
}

export const GENESIS_HASH = '0'.repeat(64);
