// JSON Schemas (draft 2020-12) of the team-sync wire objects (src/shared/team/protocol.ts). The server
// validates what devices post; devices validate every page they pull before anything is applied.
import { signedReceiptSchema, syncItemSchema } from '../sync/schemas';

const b64 = (maxLength: number) => ({ type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength });
const rawKey = { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' };
const iso = { type: 'string', format: 'date-time', maxLength: 40 };
const id = { type: 'string', minLength: 1, maxLength: 64 };
const roles = { type: 'array', minItems: 1, maxItems: 3, uniqueItems: true, items: { enum: ['field', 'reviewer', 'admin'] } };

export const deviceCertificateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'tenant', 'device', 'user', 'roles', 'signingKey', 'encryptionKey', 'status', 'issuedAt', 'expiresAt', 'certVersion', 'serverKeyId'],
  properties: {
    type: { const: 'maestro.device-cert.v1' },
    tenant: id,
    device: id,
    user: { type: 'string', minLength: 1, maxLength: 120 },
    roles,
    signingKey: rawKey,
    encryptionKey: { anyOf: [rawKey, { type: 'null' }] },
    status: { enum: ['active', 'revoked'] },
    issuedAt: iso,
    expiresAt: iso,
    certVersion: { type: 'integer', minimum: 1 },
    serverKeyId: { type: 'string', maxLength: 100 },
  },
} as const;

export const signedCertificateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cert', 'signature'],
  properties: { cert: deviceCertificateSchema, signature: b64(200) },
} as const;

export const wrappedKeyBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'type',
    'tenant',
    'keyVersion',
    'recipient',
    'recipientCertVersion',
    'recipientKey',
    'ephemeralKey',
    'iv',
    'ciphertext',
    'tag',
    'wrappedBy',
    'wrappedAt',
  ],
  properties: {
    type: { const: 'maestro.wrapped-key.v1' },
    tenant: id,
    keyVersion: { type: 'integer', minimum: 1 },
    recipient: id,
    recipientCertVersion: { type: 'integer', minimum: 1 },
    recipientKey: rawKey,
    ephemeralKey: rawKey,
    iv: { type: 'string', pattern: '^[A-Za-z0-9+/]{16}$' },
    ciphertext: rawKey,
    tag: { type: 'string', pattern: '^[A-Za-z0-9+/]{22}==$' },
    wrappedBy: id,
    wrappedAt: iso,
  },
} as const;

export const signedWrappedKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['body', 'signature', 'wrapperCert'],
  properties: { body: wrappedKeyBodySchema, signature: b64(200), wrapperCert: signedCertificateSchema },
} as const;

export const teamKeysStatusSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tenant', 'versions', 'mine', 'missing'],
  properties: {
    tenant: id,
    versions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['version', 'createdBy', 'createdAt'],
        properties: { version: { type: 'integer', minimum: 1 }, createdBy: id, createdAt: iso },
      },
    },
    mine: { type: 'array', items: { type: 'integer', minimum: 1 } },
    missing: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['device', 'versions', 'certificate'],
        properties: { device: id, versions: { type: 'array', items: { type: 'integer', minimum: 1 } }, certificate: signedCertificateSchema },
      },
    },
  },
} as const;

export const teamKeysPostSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['wrapped'],
  properties: {
    create: { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'integer', minimum: 1 } } },
    wrapped: { type: 'array', maxItems: 1000, items: signedWrappedKeySchema },
  },
} as const;

export const teamKeysPostResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['created', 'stored'],
  properties: { created: { type: 'boolean' }, stored: { type: 'integer', minimum: 0 } },
} as const;

export const encryptionKeyPostSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['encryptionKey'],
  properties: { encryptionKey: rawKey },
} as const;

export const certificateResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['certificate'],
  properties: { certificate: signedCertificateSchema },
} as const;

export const approvalStatementSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'approvalId', 'tenant', 'runId', 'cardId', 'runDevice', 'decision', 'comment', 'by', 'at'],
  properties: {
    type: { const: 'maestro.approval.v1' },
    approvalId: id,
    tenant: id,
    runId: id,
    cardId: id,
    runDevice: id,
    decision: { enum: ['approved', 'rejected'] },
    comment: { type: 'string', maxLength: 2000 },
    by: {
      type: 'object',
      additionalProperties: false,
      required: ['user', 'device', 'certVersion', 'role'],
      properties: {
        user: { type: 'string', minLength: 1, maxLength: 120 },
        device: id,
        certVersion: { type: 'integer', minimum: 1 },
        role: { enum: ['field', 'reviewer', 'admin'] },
      },
    },
    at: iso,
  },
} as const;

export const signedApprovalSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['statement', 'signature', 'certificate'],
  properties: { statement: approvalStatementSchema, signature: b64(200), certificate: signedCertificateSchema },
} as const;

export const deviceEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'device', 'user', 'at', 'reason'],
  properties: {
    type: { enum: ['enrolled', 'revoked', 'roles', 'blocked', 'unblocked', 'encryption-key'] },
    device: id,
    user: { type: 'string', maxLength: 120 },
    at: iso,
    reason: { type: ['string', 'null'], maxLength: 2000 },
  },
} as const;

export const feedItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'kind', 'at'],
  properties: {
    seq: { type: 'integer', minimum: 1 },
    kind: { enum: ['item', 'cert', 'key', 'event'] },
    at: iso,
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'fromUser', 'wire', 'receipt'],
      properties: { from: id, fromUser: { type: 'string', maxLength: 120 }, wire: syncItemSchema, receipt: signedReceiptSchema },
    },
    cert: signedCertificateSchema,
    key: signedWrappedKeySchema,
    event: deviceEventSchema,
  },
} as const;

export const changesResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['since', 'until', 'hasMore', 'items', 'serverTime'],
  properties: {
    since: { type: 'integer', minimum: 0 },
    until: { type: 'integer', minimum: 0 },
    hasMore: { type: 'boolean' },
    items: { type: 'array', maxItems: 1000, items: feedItemSchema },
    serverTime: { type: 'string' },
    bundles: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'version'],
        properties: { name: { type: 'string', maxLength: 100 }, version: { type: ['string', 'null'], maxLength: 256 } },
      },
    },
  },
} as const;

export const rolesChangeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['roles', 'reason', 'confirm'],
  properties: { roles, reason: { type: 'string', minLength: 1, maxLength: 500 }, confirm: { const: true } },
} as const;

export const myWrappedKeysSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['wrapped'],
  properties: { wrapped: { type: 'array', maxItems: 10000, items: signedWrappedKeySchema } },
} as const;
