// Wire schemas of the sync server's HTTP API, shared by the server, the device's sync client [#3]
// and tests. Plain JSON-schema objects compiled by ./validation (ajv 2020).
import { ERROR_CODES } from './errors';

export type HealthStatus = 'ok' | 'error';

export interface HealthResponse {
  status: HealthStatus;
  version: string;
  uptimeSeconds: number;
  db: { status: HealthStatus; detail: string; sizeBytes: number; backend: 'sqlite' | 'postgres' };
  /** Absent when the storage could not be read. */
  sync?: {
    /** Queue depth: items stored, and the highest server sequence number issued. */
    itemsStored: number;
    lastServerSeq: number;
    devices: number;
    flaggedDevices: number;
    revokedDevices: number;
  };
  serverKeyId: string;
}

/** `details.reason` of a 401 from the sync server's device authentication (and enrollment). */
export const AUTH_REFUSAL_REASONS = [
  'missing_signature',
  'unknown_device',
  'revoked_device',
  'bad_signature',
  'expired_timestamp',
  'replayed',
  'enrollment_token',
] as const;
export type AuthRefusalReason = (typeof AUTH_REFUSAL_REASONS)[number];

export interface EnrollmentTokenResponse {
  token: string;
  expiresAt: string;
}
export interface RevokeDeviceResponse {
  revokedAt: string;
}
export interface ContractsResponse {
  contracts: Record<string, string>;
}

export const healthResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'version', 'uptimeSeconds', 'db', 'serverKeyId'],
  properties: {
    status: { enum: ['ok', 'error'] },
    version: { type: 'string', minLength: 1 },
    uptimeSeconds: { type: 'integer', minimum: 0 },
    db: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'detail', 'sizeBytes', 'backend'],
      properties: {
        status: { enum: ['ok', 'error'] },
        detail: { type: 'string' },
        sizeBytes: { type: 'integer', minimum: 0 },
        backend: { enum: ['sqlite', 'postgres'] },
      },
    },
    sync: {
      type: 'object',
      additionalProperties: false,
      required: ['itemsStored', 'lastServerSeq', 'devices', 'flaggedDevices', 'revokedDevices'],
      properties: {
        itemsStored: { type: 'integer', minimum: 0 },
        lastServerSeq: { type: 'integer', minimum: 0 },
        devices: { type: 'integer', minimum: 0 },
        flaggedDevices: { type: 'integer', minimum: 0 },
        revokedDevices: { type: 'integer', minimum: 0 },
      },
    },
    serverKeyId: { type: 'string', pattern: '^[0-9a-f]{16}$' },
  },
} as const;

export const enrollmentTokenResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'expiresAt'],
  properties: { token: { type: 'string', minLength: 16 }, expiresAt: { type: 'string', format: 'date-time' } },
} as const;

export const revokeDeviceResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['revokedAt'],
  properties: { revokedAt: { type: 'string', format: 'date-time' } },
} as const;

export const contractsResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['contracts'],
  properties: { contracts: { type: 'object', additionalProperties: { type: 'string' } } },
} as const;

export const errorResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: { enum: [...ERROR_CODES] },
        message: { type: 'string' },
        details: {},
      },
    },
  },
} as const;
