// JSON Schemas of the sync wire format (draft 2020-12). The server validates every request with
// these; the device validates every response. Batch items carry ciphertext only: any field that
// could hold a plaintext payload is refused by `additionalProperties: false`.
import { riskResultSchema } from '../risk';

const b64 = (maxLength: number) => ({ type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength });
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const iso = { type: 'string', format: 'date-time', maxLength: 40 };

export const MAX_BATCH_ITEMS = 500;
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;
export const MAX_ITEM_CIPHERTEXT_B64 = 2 * 1024 * 1024;

export const syncItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['idempotencyKey', 'contract', 'kind', 'createdAt', 'keyVersion', 'ciphertext', 'iv', 'tag', 'contentHash'],
  properties: {
    idempotencyKey: hex64,
    contract: { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}@\\d+\\.\\d+\\.\\d+$', maxLength: 120 },
    kind: { enum: ['record', 'attachment', 'run', 'card', 'approval'] },
    createdAt: iso,
    keyVersion: { type: 'integer', minimum: 1 },
    keyScope: { const: 'tenant' },
    subject: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' },
    to: { type: 'string', minLength: 1, maxLength: 64 },
    ciphertext: b64(MAX_ITEM_CIPHERTEXT_B64),
    iv: { type: 'string', pattern: '^[A-Za-z0-9+/]{16}$' },
    tag: { type: 'string', pattern: '^[A-Za-z0-9+/]{22}==$' },
    contentHash: hex64,
  },
} as const;

export const syncBatchRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['device', 'appVersion', 'items'],
  properties: {
    device: { type: 'string', minLength: 1, maxLength: 64 },
    appVersion: { type: 'string', maxLength: 40 },
    items: { type: 'array', maxItems: MAX_BATCH_ITEMS },
    deviceState: {
      type: 'object',
      additionalProperties: false,
      required: ['pendingCount', 'deadLetterCount', 'contractVersions'],
      properties: {
        pendingCount: { type: 'integer', minimum: 0 },
        deadLetterCount: { type: 'integer', minimum: 0 },
        contractVersions: {
          type: 'object',
          maxProperties: 200,
          propertyNames: { pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}$' },
          additionalProperties: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
        },
      },
    },
    anchor: {
      type: 'object',
      additionalProperties: false,
      required: ['entries', 'head'],
      properties: {
        entries: {
          type: 'array',
          maxItems: 100000,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['seq', 'prevHash', 'hash'],
            properties: { seq: { type: 'integer', minimum: 1 }, prevHash: hex64, hash: hex64 },
          },
        },
        head: {
          type: 'object',
          additionalProperties: false,
          required: ['seq', 'hash'],
          properties: { seq: { type: 'integer', minimum: 0 }, hash: hex64 },
        },
        tree: {
          type: 'object',
          additionalProperties: false,
          required: ['size', 'root'],
          properties: { size: { type: 'integer', minimum: 0 }, root: hex64 },
        },
      },
    },
  },
} as const;

export const enrollRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'publicKey', 'deviceName', 'appVersion'],
  properties: {
    token: { type: 'string', minLength: 16, maxLength: 200 },
    publicKey: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
    deviceName: { type: 'string', minLength: 1, maxLength: 120 },
    appVersion: { type: 'string', maxLength: 40 },
    encryptionKey: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
  },
} as const;

export const enrollmentTokenRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tenant', 'user', 'role'],
  properties: {
    tenant: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64 },
    user: { type: 'string', minLength: 1, maxLength: 120 },
    role: { enum: ['field', 'reviewer', 'admin'] },
    ttlHours: { type: 'integer', minimum: 1, maximum: 720 },
  },
} as const;

const receiptBody = {
  type: 'object',
  additionalProperties: false,
  required: ['receiptId', 'tenant', 'device', 'idempotencyKey', 'contentHash', 'serverSeq', 'receivedAt', 'serverKeyId'],
  properties: {
    receiptId: { type: 'string' },
    tenant: { type: 'string' },
    device: { type: 'string' },
    idempotencyKey: hex64,
    contentHash: hex64,
    serverSeq: { type: 'integer', minimum: 1 },
    receivedAt: { type: 'string' },
    serverKeyId: { type: 'string' },
  },
} as const;

export const signedReceiptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['receipt', 'signature'],
  properties: { receipt: receiptBody, signature: b64(200) },
} as const;

export const signedCheckpointSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['checkpoint', 'signature'],
  properties: {
    checkpoint: {
      type: 'object',
      additionalProperties: false,
      required: ['device', 'seq', 'head', 'serverSeq', 'time', 'serverKeyId'],
      properties: {
        device: { type: 'string' },
        seq: { type: 'integer', minimum: 0 },
        head: hex64,
        serverSeq: { type: 'integer', minimum: 0 },
        time: { type: 'string' },
        serverKeyId: { type: 'string' },
        treeSize: { type: 'integer', minimum: 0 },
        treeRoot: hex64,
      },
    },
    signature: b64(200),
  },
} as const;

/** DeviceStatusWire: what the server makes of the device (sync replies, device_blocked 403 details). */
export const deviceStatusSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['blocked', 'updateRequired', 'risk'],
  properties: { blocked: { type: 'boolean' }, updateRequired: { type: 'boolean' }, risk: riskResultSchema },
} as const;

/** What the server sends: deviceStatus is always there (devices accept its absence, see engine.ts). */
export const syncBatchResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['results', 'contracts', 'serverTime', 'deviceStatus'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['idempotencyKey', 'status'],
        properties: {
          idempotencyKey: { type: 'string' },
          status: { enum: ['accepted', 'duplicate', 'rejected'] },
          receipt: signedReceiptSchema,
          error: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
          },
        },
      },
    },
    checkpoint: signedCheckpointSchema,
    anchorError: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { enum: ['ANCHOR_EQUIVOCATION', 'ANCHOR_BROKEN', 'ANCHOR_TREE_MISMATCH'] }, message: { type: 'string' } },
    },
    contracts: { type: 'object', additionalProperties: { type: 'string' } },
    serverTime: { type: 'string' },
    deviceStatus: deviceStatusSchema,
  },
} as const;

export const enrollResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deviceId', 'tenant', 'user', 'roles', 'serverKeyId', 'serverPublicKey', 'contracts', 'certificate'],
  properties: {
    // Checked in full with signedCertificateSchema (src/shared/team/schemas.ts) and the pinned key.
    certificate: { type: 'object' },
    deviceId: { type: 'string' },
    tenant: { type: 'string' },
    user: { type: 'string' },
    roles: { type: 'array', items: { enum: ['field', 'reviewer', 'admin'] } },
    serverKeyId: { type: 'string' },
    serverPublicKey: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
    contracts: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;
