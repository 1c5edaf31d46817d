// Wire schemas of the sync server's HTTP API, shared by the server, the device's sync client [#3]
// and tests. Plain JSON-schema objects compiled by ./validation (ajv 2020).
import { ERROR_CODES } from './errors';
import { RISK_LEVELS, riskPolicySchema, riskResultSchema, type RiskLevel, type RiskPolicy, type RiskResult } from './risk';
import type { DeviceStatusWire } from './sync/protocol';
import { deviceStatusSchema } from './sync/schemas';

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

// ---- Offline governance: admin device registry, risk, controls --------------------------------

export const ADMIN_DEVICE_SORTS = ['lastSyncAt', 'level', 'pending', 'daysOffline'] as const;
export type AdminDeviceSort = (typeof ADMIN_DEVICE_SORTS)[number];
export const DAYS_SINCE_SYNC_BUCKETS = ['0-1', '1-7', '7-14', '14-30', '30+'] as const;
export type DaysSinceSyncBucket = (typeof DAYS_SINCE_SYNC_BUCKETS)[number];

/** `details.reason` of the 403 a blocked device gets for a sync batch. */
export const DEVICE_BLOCKED_REASON = 'device_blocked' as const;

export interface AdminDeviceView {
  id: string;
  user: string;
  name: string;
  tenant: string;
  enrolledAt: string;
  lastSyncAt: string | null;
  /** Days since the last sync (since enrollment if never synced), in tenths rounded up (as the risk reasons print them). */
  daysOffline: number;
  appVersion: string | null;
  contractVersions: Record<string, string>;
  pendingCount: number;
  deadLetterCount: number;
  /** Seq of the device's last anchored audit head (its last signed checkpoint). */
  lastCheckpointSeq: number;
  blocked: boolean;
  blockedAt: string | null;
  blockedReason: string | null;
  updateRequired: boolean;
  revoked: boolean;
  flagged: boolean;
  risk: RiskResult;
}

export interface AdminDeviceListResponse {
  devices: AdminDeviceView[];
  /** Devices matching the filters (all pages). */
  total: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface DeviceSnapshotView {
  day: string;
  level: RiskLevel;
  pendingCount: number;
  deadLetterCount: number;
  lastSyncAt: string | null;
}

export interface AdminDeviceDetailResponse {
  device: AdminDeviceView;
  /** Newest first, at most 90. */
  snapshots: DeviceSnapshotView[];
}

export interface RiskSummaryResponse {
  /** Devices not revoked, per risk level. */
  levels: Record<RiskLevel, number>;
  /** Devices not revoked, by days since their last sync (enrollment if never): a < days ≤ b. */
  daysSinceSync: Record<DaysSinceSyncBucket, number>;
  revoked: number;
  generatedAt: string;
}

/** Body of every admin device action (block, unblock, require-update, clear-update, revoke). */
export interface AdminActionRequest {
  reason: string;
}

export interface AdminDeviceActionResponse {
  device: AdminDeviceView;
}

export interface RiskPolicyPutRequest {
  policy: RiskPolicy;
  reason: string;
}

export interface RiskPolicyResponse {
  policy: RiskPolicy;
  /** False while the tenant uses DEFAULT_RISK_POLICY. */
  custom: boolean;
}

// The device's governance status is part of the sync protocol (every sync reply carries it); it is
// defined there and re-exported here for the admin side.
export type { DeviceStatusWire } from './sync/protocol';
export { deviceStatusSchema } from './sync/schemas';

/** `details` of the 403 FORBIDDEN a blocked device gets for a sync batch. */
export interface DeviceBlockedDetails {
  reason: typeof DEVICE_BLOCKED_REASON;
  blockedAt: string;
  /** The admin's reason, shown to the device's user. */
  blockedReason: string | null;
  deviceStatus: DeviceStatusWire;
}

const reasonSchema = { type: 'string', minLength: 3, maxLength: 500, pattern: '\\S' } as const;

export const adminActionRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: reasonSchema },
} as const;

export const riskPolicyPutRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['policy', 'reason'],
  properties: { policy: riskPolicySchema, reason: reasonSchema },
} as const;

export const riskPolicyResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['policy', 'custom'],
  properties: { policy: riskPolicySchema, custom: { type: 'boolean' } },
} as const;

export const deviceBlockedDetailsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'blockedAt', 'blockedReason', 'deviceStatus'],
  properties: {
    reason: { const: DEVICE_BLOCKED_REASON },
    blockedAt: { type: 'string', format: 'date-time' },
    blockedReason: { type: ['string', 'null'], maxLength: 500 },
    deviceStatus: deviceStatusSchema,
  },
} as const;

const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const adminDeviceViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'user',
    'name',
    'tenant',
    'enrolledAt',
    'lastSyncAt',
    'daysOffline',
    'appVersion',
    'contractVersions',
    'pendingCount',
    'deadLetterCount',
    'lastCheckpointSeq',
    'blocked',
    'blockedAt',
    'blockedReason',
    'updateRequired',
    'revoked',
    'flagged',
    'risk',
  ],
  properties: {
    id: { type: 'string' },
    user: { type: 'string' },
    name: { type: 'string' },
    tenant: { type: 'string' },
    enrolledAt: { type: 'string', format: 'date-time' },
    lastSyncAt: nullableTime,
    daysOffline: { type: 'number', minimum: 0 },
    appVersion: { type: ['string', 'null'] },
    contractVersions: { type: 'object', additionalProperties: { type: 'string' } },
    pendingCount: { type: 'integer', minimum: 0 },
    deadLetterCount: { type: 'integer', minimum: 0 },
    lastCheckpointSeq: { type: 'integer', minimum: 0 },
    blocked: { type: 'boolean' },
    blockedAt: nullableTime,
    blockedReason: { type: ['string', 'null'] },
    updateRequired: { type: 'boolean' },
    revoked: { type: 'boolean' },
    flagged: { type: 'boolean' },
    risk: riskResultSchema,
  },
} as const;

export const adminDeviceListResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['devices', 'total', 'nextCursor'],
  properties: {
    devices: { type: 'array', items: adminDeviceViewSchema },
    total: { type: 'integer', minimum: 0 },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

export const adminDeviceDetailResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['device', 'snapshots'],
  properties: {
    device: adminDeviceViewSchema,
    snapshots: {
      type: 'array',
      maxItems: 90,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'level', 'pendingCount', 'deadLetterCount', 'lastSyncAt'],
        properties: {
          day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          level: { enum: [...RISK_LEVELS] },
          pendingCount: { type: 'integer', minimum: 0 },
          deadLetterCount: { type: 'integer', minimum: 0 },
          lastSyncAt: nullableTime,
        },
      },
    },
  },
} as const;

const countsOf = (keys: readonly string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: [...keys],
    properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer', minimum: 0 }])),
  }) as const;

export const riskSummaryResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['levels', 'daysSinceSync', 'revoked', 'generatedAt'],
  properties: {
    levels: countsOf(RISK_LEVELS),
    daysSinceSync: countsOf(DAYS_SINCE_SYNC_BUCKETS),
    revoked: { type: 'integer', minimum: 0 },
    generatedAt: { type: 'string', format: 'date-time' },
  },
} as const;
