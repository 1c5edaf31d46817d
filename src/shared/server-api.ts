// Wire shapes of the sync server's HTTP API, shared by the server, the device's sync client [#3]
// and tests. Each is declared once with TypeBox: the JSON Schema (compiled by ./validation, ajv
// 2020) and the TypeScript type.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES } from './errors';
import { RISK_LEVELS, riskPolicySchema, riskResultSchema, riskResultWireSchema } from './risk';
import { deviceStatusSchema } from './sync/protocol';
import { constOf, enumOf, keyed, mapOf, obj, stringOrNull } from './typebox';

const str = Type.String();
const nonNeg = Type.Integer({ minimum: 0 });
const time = Type.String({ format: 'date-time' });
const nullableTime = stringOrNull({ format: 'date-time' });

const healthStatusSchema = enumOf(['ok', 'error']);

/**
 * GET /healthz, open to anyone (load balancers, uptime checks, the app's reachability probe):
 * liveness only. Counts and storage details are behind admin authentication (adminHealthResponseSchema).
 */
export const healthResponseSchema = obj({
  status: healthStatusSchema,
  version: Type.String({ minLength: 1 }),
  uptimeSeconds: nonNeg,
  serverKeyId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
});
/** GET /v1/admin/health (admin devices): the liveness fields plus storage and queue figures. */
export const adminHealthResponseSchema = obj({
  status: healthStatusSchema,
  version: Type.String({ minLength: 1 }),
  uptimeSeconds: nonNeg,
  db: obj({ status: healthStatusSchema, detail: str, sizeBytes: nonNeg, backend: enumOf(['sqlite', 'postgres']) }),
  /** Absent when the storage could not be read. */
  sync: Type.Optional(
    obj({
      /** Queue depth: items stored, and the highest server sequence number issued. */
      itemsStored: nonNeg,
      lastServerSeq: nonNeg,
      devices: nonNeg,
      flaggedDevices: nonNeg,
      revokedDevices: nonNeg,
    }),
  ),
  serverKeyId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
});
export type AdminHealthResponse = Static<typeof adminHealthResponseSchema>;
export type HealthResponse = Static<typeof healthResponseSchema>;

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

export const enrollmentTokenResponseSchema = obj({ token: Type.String({ minLength: 16 }), expiresAt: time });
export type EnrollmentTokenResponse = Static<typeof enrollmentTokenResponseSchema>;

export const revokeDeviceResponseSchema = obj({ revokedAt: time });
export type RevokeDeviceResponse = Static<typeof revokeDeviceResponseSchema>;

export const contractsResponseSchema = obj({ contracts: mapOf(str) });
export type ContractsResponse = Static<typeof contractsResponseSchema>;

export const errorResponseSchema = obj({
  ok: constOf(false),
  error: obj({ code: enumOf(ERROR_CODES), message: str, details: Type.Optional(Type.Unknown()) }),
});

// ---- Offline governance: admin device registry, risk, controls --------------------------------

export const ADMIN_DEVICE_SORTS = ['lastSyncAt', 'level', 'pending', 'daysOffline'] as const;
export type AdminDeviceSort = (typeof ADMIN_DEVICE_SORTS)[number];
/** The board's default order, on the server and in the renderer: days since the last sync, worst (longest) first. */
export const ADMIN_DEFAULT_SORT = { sort: 'daysOffline', dir: 'desc' } as const satisfies { sort: AdminDeviceSort; dir: 'asc' | 'desc' };
export const DAYS_SINCE_SYNC_BUCKETS = ['0-1', '1-7', '7-14', '14-30', '30+'] as const;

/** `details.reason` of the 403 a blocked device gets for a sync batch. */
export const DEVICE_BLOCKED_REASON = 'device_blocked' as const;

/** A device on the admin board with its risk, `risk` being the risk result's schema (the server's, or what a device accepts). */
const adminDeviceView = <R extends TSchema>(risk: R) =>
  obj({
    id: str,
    user: str,
    name: str,
    tenant: str,
    enrolledAt: time,
    lastSyncAt: nullableTime,
    /** Days since the last sync (since enrollment if never synced), in tenths rounded up (as the risk reasons print them). */
    daysOffline: Type.Number({ minimum: 0 }),
    appVersion: stringOrNull(),
    contractVersions: mapOf(str),
    pendingCount: nonNeg,
    deadLetterCount: nonNeg,
    /** Seq of the device's last anchored audit head (its last signed checkpoint). */
    lastCheckpointSeq: nonNeg,
    blocked: Type.Boolean(),
    blockedAt: nullableTime,
    blockedReason: stringOrNull(),
    updateRequired: Type.Boolean(),
    revoked: Type.Boolean(),
    flagged: Type.Boolean(),
    risk,
  });
export const adminDeviceViewSchema = adminDeviceView(riskResultSchema);
export type AdminDeviceView = Static<typeof adminDeviceViewSchema>;

const adminDeviceList = <V extends TSchema>(device: V) =>
  obj({
    devices: Type.Array(device),
    /** Devices matching the filters (all pages). */
    total: nonNeg,
    /** Pass as `cursor` for the next page; null on the last page. */
    nextCursor: stringOrNull(),
  });
export const adminDeviceListResponseSchema = adminDeviceList(adminDeviceViewSchema);
export type AdminDeviceListResponse = Static<typeof adminDeviceListResponseSchema>;

const deviceSnapshotViewSchema = obj({
  day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  level: enumOf(RISK_LEVELS),
  pendingCount: nonNeg,
  deadLetterCount: nonNeg,
  lastSyncAt: nullableTime,
});

const adminDeviceDetail = <V extends TSchema>(device: V) =>
  obj({
    device,
    /** Newest first, at most 90. */
    snapshots: Type.Array(deviceSnapshotViewSchema, { maxItems: 90 }),
  });
export const adminDeviceDetailResponseSchema = adminDeviceDetail(adminDeviceViewSchema);
export type AdminDeviceDetailResponse = Static<typeof adminDeviceDetailResponseSchema>;

/**
 * The admin replies as a device parses them: a server from before messages as codes (decision 0030)
 * sent risk reasons as English sentences, so a reason may be a string; the admin client turns it
 * into `risk.text` (riskReasonsFromWire) before the board sees it.
 */
const adminDeviceViewWireSchema = adminDeviceView(riskResultWireSchema);
export const adminWireSchemas = {
  view: adminDeviceViewWireSchema,
  list: adminDeviceList(adminDeviceViewWireSchema),
  detail: adminDeviceDetail(adminDeviceViewWireSchema),
};
export type AdminDeviceViewWire = Static<typeof adminDeviceViewWireSchema>;

export const riskSummaryResponseSchema = obj({
  /** Devices not revoked, per risk level. */
  levels: keyed(RISK_LEVELS, nonNeg),
  /** Devices not revoked, by days since their last sync (enrollment if never): a < days ≤ b. */
  daysSinceSync: keyed(DAYS_SINCE_SYNC_BUCKETS, nonNeg),
  revoked: nonNeg,
  generatedAt: time,
});
export type RiskSummaryResponse = Static<typeof riskSummaryResponseSchema>;

const reasonSchema = Type.String({ minLength: 3, maxLength: 500, pattern: '\\S' });

/** Body of every admin device action (block, unblock, require-update, clear-update, revoke). */
export const adminActionRequestSchema = obj({ reason: reasonSchema });
export type AdminActionRequest = Static<typeof adminActionRequestSchema>;

export interface AdminDeviceActionResponse {
  device: AdminDeviceView;
}

export const riskPolicyPutRequestSchema = obj({ policy: riskPolicySchema, reason: reasonSchema });
export type RiskPolicyPutRequest = Static<typeof riskPolicyPutRequestSchema>;

export const riskPolicyResponseSchema = obj({
  policy: riskPolicySchema,
  /** False while the tenant uses DEFAULT_RISK_POLICY. */
  custom: Type.Boolean(),
});
export type RiskPolicyResponse = Static<typeof riskPolicyResponseSchema>;

// The device's governance status is part of the sync protocol (every sync reply carries it); it is
// defined there and re-exported here for the admin side.

/** `details` of the 403 FORBIDDEN a blocked device gets for a sync batch. */
export const deviceBlockedDetailsSchema = obj({
  reason: constOf(DEVICE_BLOCKED_REASON),
  blockedAt: time,
  /** The admin's reason, shown to the device's user. */
  blockedReason: stringOrNull({ maxLength: 500 }),
  deviceStatus: deviceStatusSchema,
});
export type DeviceBlockedDetails = Static<typeof deviceBlockedDetailsSchema>;
