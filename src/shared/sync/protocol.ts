// The device ↔ sync-server wire protocol: formats and the exact bytes that are hashed or signed.
// Pure: callers bring node:crypto (Ed25519, SHA-256). Every signed object is RFC 8785 canonical JSON.
import { canonicalJson } from '../canonical';
import type { RiskResult } from '../risk';
import type { SignedCertificate } from '../team/protocol';

export const PROTOCOL_VERSION = 1;

/** Request signing headers (every device request except enrollment). */
export const H_DEVICE = 'x-maestro-device';
export const H_TIMESTAMP = 'x-maestro-timestamp';
export const H_NONCE = 'x-maestro-nonce';
export const H_SIGNATURE = 'x-maestro-signature';
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Bytes a device signs for a request: method, path (with query), timestamp, nonce, body hash. */
export function requestSigningBytes(r: { method: string; path: string; timestamp: string; nonce: string; bodySha256: string }): string {
  return canonicalJson({ v: PROTOCOL_VERSION, method: r.method.toUpperCase(), path: r.path, timestamp: r.timestamp, nonce: r.nonce, bodySha256: r.bodySha256 });
}

/** Idempotency key input: stable across retries and restarts, never wall-clock derived. */
export function idempotencyKeyInput(tenant: string, device: string, itemId: string): string {
  return canonicalJson({ tenant, device, itemId });
}

/** AES-256-GCM additional data: binds ciphertext to its key, contract version and tenant. */
export function aadBytes(idempotencyKey: string, contract: string, tenant: string): string {
  return canonicalJson({ idempotencyKey, contract, tenant });
}

export interface SyncItemWire {
  idempotencyKey: string;
  /** `domain.verb.noun@MAJOR.MINOR.PATCH` */
  contract: string;
  /** run, card, approval: team sync (src/shared/team); their contract is TEAM_CONTRACTS[kind] */
  kind: 'record' | 'attachment' | 'run' | 'card' | 'approval';
  createdAt: string;
  keyVersion: number;
  /**
   * 'tenant': sealed under a tenant key version the admin distributed (team sync), so other devices
   * of the tenant can read it and the server serves it on the pull path. Absent: sealed under a key
   * only this device holds (items sealed before team sync); stored and receipted, never pulled.
   */
  keyScope?: 'tenant';
  /** approval items: the card id decided (the server lets the first decision per card win) */
  subject?: string;
  /** approval items: the device whose run it decides (the server routes it there) */
  to?: string;
  /** base64 of AES-256-GCM: ciphertext, 12-byte iv, 16-byte tag */
  ciphertext: string;
  iv: string;
  tag: string;
  /** SHA-256 hex of the ciphertext bytes */
  contentHash: string;
}

export interface AuditAnchorWire {
  /** Entries since the device's last anchored head, in order; `prevHash` links to that head. */
  entries: { seq: number; prevHash: string; hash: string }[];
  head: { seq: number; hash: string };
  /**
   * The device's RFC 9162 Merkle tree head over its audit entry hashes at `head.seq` (leaf = the
   * entry hash): the server recomputes it from the hashes it holds and countersigns it.
   */
  tree?: { size: number; root: string };
}

/** What the device reports of itself on every sync: the server's registry and risk board use it. */
export interface DeviceStateWire {
  pendingCount: number;
  deadLetterCount: number;
  /** contract name → version in use on the device */
  contractVersions: Record<string, string>;
}

export interface SyncBatchRequest {
  device: string;
  appVersion: string;
  items: SyncItemWire[];
  anchor?: AuditAnchorWire;
  deviceState?: DeviceStateWire;
}

export interface ReceiptBody {
  receiptId: string;
  tenant: string;
  device: string;
  idempotencyKey: string;
  contentHash: string;
  serverSeq: number;
  receivedAt: string;
  serverKeyId: string;
}
export interface SignedReceipt {
  receipt: ReceiptBody;
  /** base64 Ed25519 signature over receiptSigningBytes(receipt) */
  signature: string;
}
export const receiptSigningBytes = (r: ReceiptBody): string => canonicalJson({ type: 'maestro.receipt.v1', ...r });

export interface CheckpointBody {
  device: string;
  seq: number;
  head: string;
  serverSeq: number;
  time: string;
  serverKeyId: string;
  /** Countersigned Merkle tree head (size = seq) over the device's audit entry hashes; absent in older checkpoints. */
  treeSize?: number;
  treeRoot?: string;
}
export interface SignedCheckpoint {
  checkpoint: CheckpointBody;
  signature: string;
}
export const checkpointSigningBytes = (c: CheckpointBody): string => canonicalJson({ type: 'maestro.checkpoint.v1', ...c });

export type ItemStatus = 'accepted' | 'duplicate' | 'rejected';
export type ItemErrorCode = 'IDEMPOTENCY_CONFLICT' | 'CONTRACT_BREAKING' | 'CONTRACT_UNKNOWN' | 'VALIDATION_ERROR' | 'CONFLICT' | 'FORBIDDEN';

export interface ItemResult {
  idempotencyKey: string;
  status: ItemStatus;
  receipt?: SignedReceipt;
  error?: { code: ItemErrorCode; message: string; details?: { requiredVersion?: string; [k: string]: unknown } };
}

/**
 * The server's governance verdict on the device: in every sync reply (after the batch is applied,
 * with the tenant's policy) and in the details of the 403 a blocked device gets. The device stores
 * it and feeds the flags into its own risk, so its risk card and submit checks agree with the board.
 */
export interface DeviceStatusWire {
  blocked: boolean;
  updateRequired: boolean;
  risk: RiskResult;
}

export interface SyncBatchResponse {
  results: ItemResult[];
  checkpoint?: SignedCheckpoint;
  anchorError?: { code: 'ANCHOR_EQUIVOCATION' | 'ANCHOR_BROKEN' | 'ANCHOR_TREE_MISMATCH'; message: string };
  contracts: Record<string, string>;
  serverTime: string;
  deviceStatus: DeviceStatusWire;
}

export interface EnrollRequest {
  token: string;
  /** base64 raw 32-byte Ed25519 public key */
  publicKey: string;
  deviceName: string;
  appVersion: string;
  /** base64 raw 32-byte X25519 public key: tenant keys are wrapped to it (team sync) */
  encryptionKey?: string;
}
export interface EnrollResponse {
  deviceId: string;
  tenant: string;
  user: string;
  roles: ('field' | 'reviewer' | 'admin')[];
  serverKeyId: string;
  /** base64 raw 32-byte Ed25519 public key of the server, pinned by the device */
  serverPublicKey: string;
  contracts: Record<string, string>;
  /** the device's first certificate, signed by the server (team sync) */
  certificate: SignedCertificate;
}

/** `domain.verb.noun@MAJOR.MINOR.PATCH` */
export const CONTRACT_REF = /^([a-z][a-z0-9]*(?:\.[a-z][a-z0-9-]*){2})@(\d+)\.(\d+)\.(\d+)$/;
export function parseContractRef(ref: string): { name: string; major: number; minor: number; patch: number } | null {
  const m = CONTRACT_REF.exec(ref);
  return m ? { name: m[1]!, major: Number(m[2]), minor: Number(m[3]), patch: Number(m[4]) } : null;
}
