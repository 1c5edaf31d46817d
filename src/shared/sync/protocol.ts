// The device ↔ sync-server wire protocol: formats and the exact bytes that are hashed or signed.
// Pure: callers bring node:crypto (Ed25519, SHA-256). Every signed object is RFC 8785 canonical JSON.
// Each wire object is declared once with TypeBox: its JSON Schema (draft 2020-12; re-exported by
// ./schemas.ts) and its type. The server validates every request with these; the device validates
// every response. Batch items carry ciphertext only: any field that could hold a plaintext payload
// is refused by `additionalProperties: false`.
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from '../canonical';
import { riskResultWireSchema } from '../risk';
import { messageSchema } from '../messages';
import { teamRoleSchema, type SignedCertificate } from '../team/certificate';
import { constOf, enumOf, mapOf, obj } from '../typebox';
import { b64, gcmIv, gcmTag, hex64, iso, rawKey } from './wire-formats';
import { MAX_ITEM_ATTACHMENTS } from './attachments';
import { serverKeysField } from './server-keys';

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

const MAX_BATCH_ITEMS = 500;
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const MAX_ITEM_CIPHERTEXT_B64 = 2 * 1024 * 1024;

const str = Type.String();
const nonNeg = Type.Integer({ minimum: 0 });

export const syncItemSchema = obj({
  idempotencyKey: hex64,
  /** `domain.verb.noun@MAJOR.MINOR.PATCH` */
  contract: Type.String({ pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}@\\d+\\.\\d+\\.\\d+$', maxLength: 120 }),
  /** run, card, approval: team sync (src/shared/team); their contract is TEAM_CONTRACTS[kind] */
  kind: enumOf(['record', 'attachment', 'run', 'card', 'approval']),
  createdAt: iso,
  keyVersion: Type.Integer({ minimum: 1 }),
  /**
   * 'tenant': sealed under a tenant key version the admin distributed (team sync), so other devices
   * of the tenant can read it and the server serves it on the pull path. Absent: sealed under a key
   * only this device holds (items sealed before team sync); stored and receipted, never pulled.
   */
  keyScope: Type.Optional(constOf('tenant')),
  /** approval items: the card id decided (the server lets the first decision per card win) */
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' })),
  /** approval items: the device whose run it decides (the server routes it there) */
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** base64 of AES-256-GCM: ciphertext, 12-byte iv, 16-byte tag */
  ciphertext: b64(MAX_ITEM_CIPHERTEXT_B64),
  iv: gcmIv,
  tag: gcmTag,
  /** SHA-256 hex of the ciphertext bytes */
  contentHash: hex64,
  /**
   * Blob ids (src/shared/sync/attachments.ts) this item needs stored on the server: an attachment
   * item its own, a record the attachments it references. Refused (ATTACHMENT_MISSING) until every
   * one is complete; the receipt names them.
   */
  attachments: Type.Optional(Type.Array(hex64, { maxItems: MAX_ITEM_ATTACHMENTS, uniqueItems: true })),
});
export type SyncItemWire = Static<typeof syncItemSchema>;

const auditAnchorSchema = obj({
  /** Entries since the device's last anchored head, in order; `prevHash` links to that head. */
  entries: Type.Array(obj({ seq: Type.Integer({ minimum: 1 }), prevHash: hex64, hash: hex64 }), { maxItems: 100000 }),
  head: obj({ seq: nonNeg, hash: hex64 }),
  /**
   * The device's RFC 9162 Merkle tree head over its audit entry hashes at `head.seq` (leaf = the
   * entry hash): the server recomputes it from the hashes it holds and countersigns it.
   */
  tree: Type.Optional(obj({ size: nonNeg, root: hex64 })),
});
export type AuditAnchorWire = Static<typeof auditAnchorSchema>;

/** What the device reports of itself on every sync: the server's registry and risk board use it. */
const deviceStateSchema = obj({
  pendingCount: nonNeg,
  deadLetterCount: nonNeg,
  /** contract name → version in use on the device */
  contractVersions: mapOf(Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$' }), {
    maxProperties: 200,
    propertyNames: { pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}$' },
  }),
});
export type DeviceStateWire = Static<typeof deviceStateSchema>;

export const syncBatchRequestSchema = obj({
  device: Type.String({ minLength: 1, maxLength: 64 }),
  appVersion: Type.String({ maxLength: 40 }),
  /** Only counted here: the server checks each item on its own (syncItemSchema), so one bad item refuses only itself. */
  items: Type.Unsafe<SyncItemWire[]>({ type: 'array', maxItems: MAX_BATCH_ITEMS }),
  deviceState: Type.Optional(deviceStateSchema),
  anchor: Type.Optional(auditAnchorSchema),
});
export type SyncBatchRequest = Static<typeof syncBatchRequestSchema>;

const receiptBodySchema = obj({
  receiptId: str,
  tenant: str,
  device: str,
  idempotencyKey: hex64,
  contentHash: hex64,
  serverSeq: Type.Integer({ minimum: 1 }),
  receivedAt: str,
  serverKeyId: str,
  /** The blob ids the item named, all stored when the receipt was issued (absent: none). */
  attachments: Type.Optional(Type.Array(hex64)),
});
export type ReceiptBody = Static<typeof receiptBodySchema>;

export const signedReceiptSchema = obj({
  receipt: receiptBodySchema,
  /** base64 Ed25519 signature over receiptSigningBytes(receipt) */
  signature: b64(200),
});
export type SignedReceipt = Static<typeof signedReceiptSchema>;
export const receiptSigningBytes = (r: ReceiptBody): string => canonicalJson({ type: 'maestro.receipt.v1', ...r });

const checkpointBodySchema = obj({
  device: str,
  seq: nonNeg,
  head: hex64,
  serverSeq: nonNeg,
  time: str,
  serverKeyId: str,
  /** Countersigned Merkle tree head (size = seq) over the device's audit entry hashes; absent in older checkpoints. */
  treeSize: Type.Optional(nonNeg),
  treeRoot: Type.Optional(hex64),
});
export type CheckpointBody = Static<typeof checkpointBodySchema>;

const signedCheckpointSchema = obj({ checkpoint: checkpointBodySchema, signature: b64(200) });
export type SignedCheckpoint = Static<typeof signedCheckpointSchema>;
export const checkpointSigningBytes = (c: CheckpointBody): string => canonicalJson({ type: 'maestro.checkpoint.v1', ...c });

const itemStatusSchema = enumOf(['accepted', 'duplicate', 'rejected']);
export type ItemErrorCode =
  'IDEMPOTENCY_CONFLICT' | 'CONTRACT_BREAKING' | 'CONTRACT_UNKNOWN' | 'VALIDATION_ERROR' | 'CONFLICT' | 'FORBIDDEN' | 'ATTACHMENT_MISSING';

const itemResultSchema = obj({
  idempotencyKey: str,
  status: itemStatusSchema,
  receipt: Type.Optional(signedReceiptSchema),
  // The device accepts any code and details (a newer server may send more); the types name what this version knows.
  error: Type.Optional(
    obj({
      code: Type.Unsafe<ItemErrorCode>({ type: 'string' }),
      message: str,
      details: Type.Optional(Type.Unsafe<{ requiredVersion?: string; [k: string]: unknown }>({ type: 'object' })),
    }),
  ),
});
export type ItemResult = Static<typeof itemResultSchema>;

/**
 * The server's governance verdict on the device: in every sync reply (after the batch is applied,
 * with the tenant's policy) and in the details of the 403 a blocked device gets. The device stores
 * it and feeds the flags into its own risk, so its risk card and submit checks agree with the board.
 * The server sends its risk reasons as messages; a server from before sent English sentences, which a
 * device still accepts (riskReasonsFromWire).
 */
export const deviceStatusSchema = obj({ blocked: Type.Boolean(), updateRequired: Type.Boolean(), risk: riskResultWireSchema });
export type DeviceStatusWire = Static<typeof deviceStatusSchema>;

/** What the server sends: deviceStatus is always there (devices accept its absence, see engine.ts). */
export const syncBatchResponseSchema = obj({
  results: Type.Array(itemResultSchema),
  checkpoint: Type.Optional(signedCheckpointSchema),
  /** `message`: why, as a message (`alerts.anchor.*`); a server from before sent an English sentence, shown as it is. */
  anchorError: Type.Optional(
    obj({ code: enumOf(['ANCHOR_EQUIVOCATION', 'ANCHOR_BROKEN', 'ANCHOR_TREE_MISMATCH']), message: Type.Union([messageSchema, str]) }),
  ),
  contracts: mapOf(str),
  serverTime: str,
  deviceStatus: deviceStatusSchema,
  /** The server key chain (server-keys.ts): only when the request sent H_SERVER_KEYS naming another newest key. */
  serverKeys: Type.Optional(serverKeysField),
});
export type SyncBatchResponse = Static<typeof syncBatchResponseSchema>;

export const enrollRequestSchema = obj({
  token: Type.String({ minLength: 16, maxLength: 200 }),
  /** base64 raw 32-byte Ed25519 public key */
  publicKey: rawKey,
  deviceName: Type.String({ minLength: 1, maxLength: 120 }),
  appVersion: Type.String({ maxLength: 40 }),
  /** base64 raw 32-byte X25519 public key: tenant keys are wrapped to it (team sync) */
  encryptionKey: Type.Optional(rawKey),
});
export type EnrollRequest = Static<typeof enrollRequestSchema>;

export const enrollmentTokenRequestSchema = obj({
  tenant: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64 }),
  user: Type.String({ minLength: 1, maxLength: 120 }),
  role: teamRoleSchema,
  ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
});

export const enrollResponseSchema = obj({
  deviceId: str,
  tenant: str,
  user: str,
  roles: Type.Array(teamRoleSchema),
  serverKeyId: str,
  /** base64 raw 32-byte Ed25519 public key of the server, pinned by the device */
  serverPublicKey: rawKey,
  contracts: mapOf(str),
  /**
   * The device's first certificate, signed by the server (team sync). Checked in full with
   * signedCertificateSchema (src/shared/team/certificate.ts) and the pinned key.
   */
  certificate: Type.Unsafe<SignedCertificate>({ type: 'object' }),
  /** The server key chain up to the key above (only when the request sent H_SERVER_KEYS). */
  serverKeys: Type.Optional(serverKeysField),
});
export type EnrollResponse = Static<typeof enrollResponseSchema>;

/** `domain.verb.noun@MAJOR.MINOR.PATCH` */
export const CONTRACT_REF = /^([a-z][a-z0-9]*(?:\.[a-z][a-z0-9-]*){2})@(\d+)\.(\d+)\.(\d+)$/;
export function parseContractRef(ref: string): { name: string; major: number; minor: number; patch: number } | null {
  const m = CONTRACT_REF.exec(ref);
  return m ? { name: m[1]!, major: Number(m[2]), minor: Number(m[3]), patch: Number(m[4]) } : null;
}
