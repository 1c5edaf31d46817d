// Admin API for devices enrolled with the 'admin' role. An admin acts within its own tenant only:
// it cannot mint tokens for, see, or act on devices of another tenant (the CLI, run by the operator
// on the server host, can revoke any device). Another tenant's device reads as 404, so ids of other
// tenants don't leak. Every action on a device needs a reason (3-500 characters; a roles change:
// rolesChangeSchema) and writes a server_audit row naming the admin device and user and carrying the
// reason. Revocations and role changes issue a new certificate version (team sync).
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/errors';
import { DEFAULT_RISK_POLICY, RISK_LEVELS, policyProblems, type RiskLevel, type RiskPolicy } from '../../shared/risk';
import {
  ADMIN_DEFAULT_SORT,
  ADMIN_DEVICE_SORTS,
  adminActionRequestSchema,
  riskPolicyPutRequestSchema,
  type AdminActionRequest,
  type AdminDeviceActionResponse,
  type AdminDeviceDetailResponse,
  type AdminDeviceListResponse,
  type AdminDeviceSort,
  type EnrollmentTokenResponse,
  type RevokeDeviceResponse,
  type RiskPolicyPutRequest,
  type RiskPolicyResponse,
  type RiskSummaryResponse,
} from '../../shared/server-api';
import { enrollmentTokenRequestSchema } from '../../shared/sync/schemas';
import type { CertificateResponse } from '../../shared/team/protocol';
import { rolesChangeSchema } from '../../shared/team/schemas';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../deps';
import { certifier } from '../certificates';
import { createEnrollmentToken, type TokenRequest } from '../enrollment-tokens';
import { jsonBody, type AppEnv } from '../http';
import { adminView, deviceRisk, policyCacheFor, snapshotOf, versionLevelOf } from '../risk';
import { sortKeyOf } from '../storage/common';
import { healthReport } from './health';
import { normalizeRoles } from '../storage/team';
import type { AuditInput, DeviceControl, DeviceListQuery, DeviceRecord, Role } from '../storage/types';

export type AdminDeps = Pick<ServerDeps, 'storage' | 'clock' | 'contracts' | 'serverKey' | 'version' | 'startedAt'>;

interface RolesChangeRequest {
  roles: Role[];
  reason: string;
  confirm: true;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const SNAPSHOT_DAYS = 90;

const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('device').roles.includes('admin')) throw new ApiError('FORBIDDEN', 'Admin role required', { reason: 'role' });
  await next();
};

const CONTROLS: Record<DeviceControl, string> = {
  block: 'device.blocked',
  unblock: 'device.unblocked',
  'require-update': 'device.update_required',
  'clear-update': 'device.update_cleared',
};

function badQuery(message: string, param: string): ApiError {
  return new ApiError('VALIDATION_ERROR', message, { reason: 'query', param });
}

function oneOf<T extends string>(c: Context<AppEnv>, name: string, allowed: readonly T[]): T | undefined {
  const v = c.req.query(name);
  if (v === undefined || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw badQuery(`${name} must be one of ${allowed.join(', ')}`, name);
  return v as T;
}

interface Cursor {
  s: AdminDeviceSort;
  d: 'asc' | 'desc';
  k: (string | number)[];
  id: string;
}

function encodeCursor(cur: Cursor): string {
  return Buffer.from(JSON.stringify(cur), 'utf8').toString('base64url');
}

function decodeCursor(raw: string, sort: AdminDeviceSort, dir: 'asc' | 'desc'): { key: (string | number)[]; id: string } {
  let cur: Partial<Cursor> | undefined;
  try {
    cur = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    cur = undefined;
  }
  // Same shapes as sortKeyOf: [rank, seen] for level, [pending] for pending, [seen] otherwise.
  const isTime = (v: unknown): boolean => typeof v === 'string' && Number.isFinite(Date.parse(v));
  const k: unknown = cur?.k;
  const okKey =
    Array.isArray(k) &&
    (sort === 'level'
      ? k.length === 2 && Number.isSafeInteger(k[0]) && isTime(k[1])
      : sort === 'pending'
        ? k.length === 1 && Number.isSafeInteger(k[0])
        : k.length === 1 && isTime(k[0]));
  if (!cur || !okKey || typeof cur.id !== 'string' || cur.s !== sort || cur.d !== dir) {
    throw badQuery('cursor is not valid for this query (pass it back with the same sort and dir)', 'cursor');
  }
  return { key: cur.k!, id: cur.id };
}

/** What the admin routes share. */
function adminContext(deps: AdminDeps) {
  const policies = policyCacheFor(deps.storage);
  /** The body's reason, validated (3-500 characters). */
  const reasonOf = (c: Context<AppEnv>): string => assertValid<AdminActionRequest>(adminActionRequestSchema, jsonBody(c), 'Admin action').reason;

  const auditOf = (c: Context<AppEnv>, ts: string, action: string, subject: string, payload: Record<string, unknown>): AuditInput => {
    const admin = c.get('device');
    return { ts, actor: admin.id, action, subject, payload: { by: admin.id, user: admin.user, ...payload } };
  };

  const viewOf = async (device: DeviceRecord, now: Date) => {
    const { policy } = await policies.get(device.tenant);
    const risk = deviceRisk(device, deps.contracts, policy, now);
    return { view: adminView(device, risk, now), snapshot: snapshotOf(device, risk, now) };
  };
  return { deps, policies, reasonOf, auditOf, viewOf };
}
type AdminContext = ReturnType<typeof adminContext>;

function listRoutes(router: Hono<AppEnv>, { deps, policies }: AdminContext): void {
  router.post('/enrollment-tokens', async (c) => {
    const admin = c.get('device');
    const req = assertValid<TokenRequest>(enrollmentTokenRequestSchema, jsonBody(c), 'Enrollment token request');
    if (req.tenant !== admin.tenant) throw new ApiError('FORBIDDEN', 'Admins can create tokens for their own tenant only', { reason: 'tenant' });
    const res: EnrollmentTokenResponse = await createEnrollmentToken(deps.storage, deps.clock.now(), req, admin.id);
    return c.json(res);
  });

  router.get('/devices', async (c) => {
    const admin = c.get('device');
    const now = deps.clock.now();
    const level = oneOf<RiskLevel>(c, 'level', RISK_LEVELS);
    // Default: worst first, i.e. the longest since the last sync at the top (issue 17 item 7).
    const sort = oneOf(c, 'sort', ADMIN_DEVICE_SORTS) ?? ADMIN_DEFAULT_SORT.sort;
    const dir = oneOf(c, 'dir', ['asc', 'desc'] as const) ?? ADMIN_DEFAULT_SORT.dir;
    const q = c.req.query('q') ?? '';
    if (q.length > 100) throw badQuery('q must be at most 100 characters', 'q');
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined || limitRaw === '' ? DEFAULT_PAGE_SIZE : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw badQuery(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, 'limit');
    const cursorRaw = c.req.query('cursor');
    const after = cursorRaw ? decodeCursor(cursorRaw, sort, dir) : undefined;

    const { policy } = await policies.get(admin.tenant);
    const query: DeviceListQuery = {
      tenant: admin.tenant,
      now: now.toISOString(),
      policy,
      sort,
      dir,
      // One extra row tells whether there is a next page.
      limit: limit + 1,
      ...(level ? { level } : {}),
      ...(q ? { q } : {}),
      ...(after ? { after } : {}),
    };
    const page = await deps.storage.listDevices(query);
    const rows = page.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    const viewed = rows.map((r) => {
      const risk = deviceRisk(r, deps.contracts, policy, now);
      return { view: adminView(r, risk, now), snapshot: snapshotOf(r, risk, now) };
    });
    // Today's snapshot for the devices an admin looked at: at most one page of small upserts.
    await deps.storage.upsertSnapshots(viewed.map((v) => v.snapshot));
    const res: AdminDeviceListResponse = {
      devices: viewed.map((v) => v.view),
      total: page.total,
      nextCursor: page.rows.length > limit && last ? encodeCursor({ s: sort, d: dir, k: sortKeyOf(last, sort), id: last.id }) : null,
    };
    return c.json(res);
  });
}

function deviceRoutes(router: Hono<AppEnv>, { deps, policies, viewOf }: AdminContext): void {
  router.get('/devices/:id', async (c) => {
    const admin = c.get('device');
    const device = await deps.storage.getDevice(c.req.param('id'));
    if (!device || device.tenant !== admin.tenant) throw new ApiError('NOT_FOUND', 'Device not found', { reason: 'device' });
    const now = deps.clock.now();
    const { view, snapshot } = await viewOf(device, now);
    await deps.storage.upsertSnapshots([snapshot]);
    const snapshots = await deps.storage.deviceSnapshots(device.id, SNAPSHOT_DAYS);
    const res: AdminDeviceDetailResponse = {
      device: view,
      snapshots: snapshots.map((s) => ({
        day: s.day,
        level: s.level,
        pendingCount: s.pendingCount,
        deadLetterCount: s.deadLetterCount,
        lastSyncAt: s.lastSyncAt,
      })),
    };
    return c.json(res);
  });

  router.get('/risk-summary', async (c) => {
    const admin = c.get('device');
    const now = deps.clock.now();
    const { policy } = await policies.get(admin.tenant);
    const counts = await deps.storage.riskSummary({ tenant: admin.tenant, now: now.toISOString(), policy });
    const res: RiskSummaryResponse = { ...counts, generatedAt: now.toISOString() };
    return c.json(res);
  });
}

function controlRoutes(router: Hono<AppEnv>, { deps, policies, reasonOf, auditOf, viewOf }: AdminContext): void {
  for (const control of Object.keys(CONTROLS) as DeviceControl[]) {
    router.post(`/devices/:id/${control}`, async (c) => {
      const admin = c.get('device');
      const id = c.req.param('id');
      const reason = reasonOf(c);
      const now = deps.clock.now();
      const { policy } = await policies.get(admin.tenant);
      const device = await deps.storage.controlDevice(id, admin.tenant, control, reason, auditOf(c, now.toISOString(), CONTROLS[control], id, { reason }), {
        now: now.toISOString(),
        policy,
      });
      if (!device) throw new ApiError('NOT_FOUND', 'Device not found', { reason: 'device' });
      const { view, snapshot } = await viewOf(device, now);
      await deps.storage.upsertSnapshots([snapshot]);
      const res: AdminDeviceActionResponse = { device: view };
      return c.json(res);
    });
  }

  router.post('/devices/:id/revoke', async (c) => {
    const admin = c.get('device');
    const id = c.req.param('id');
    const reason = reasonOf(c);
    const ts = deps.clock.now().toISOString();
    const revokedAt = await deps.storage.revokeDevice(id, admin.tenant, auditOf(c, ts, 'device.revoked', id, { reason }), {
      certify: certifier(deps.serverKey),
      reason,
    });
    if (revokedAt === null) throw new ApiError('NOT_FOUND', 'Device not found', { reason: 'device' });
    const res: RevokeDeviceResponse = { revokedAt };
    return c.json(res);
  });

  // A new certificate version with the new roles; the same roles again change nothing (the current certificate).
  router.post('/devices/:id/roles', async (c) => {
    const admin = c.get('device');
    const id = c.req.param('id');
    const req = assertValid<RolesChangeRequest>(rolesChangeSchema, jsonBody(c), 'Roles change');
    const roles = normalizeRoles(req.roles);
    const ts = deps.clock.now().toISOString();
    const out = await deps.storage.setDeviceRoles({
      id,
      tenant: admin.tenant,
      roles,
      reason: req.reason,
      audit: auditOf(c, ts, 'device.roles_changed', id, { reason: req.reason, roles }),
      certify: certifier(deps.serverKey),
    });
    if (!out.ok && out.reason === 'not_found') throw new ApiError('NOT_FOUND', 'Device not found', { reason: 'device' });
    if (!out.ok) throw new ApiError('CONFLICT', 'A revoked device keeps its roles', { reason: 'revoked' });
    const res: CertificateResponse = { certificate: out.certificate };
    return c.json(res);
  });
}

function policyRoutes(router: Hono<AppEnv>, { deps, policies, auditOf }: AdminContext): void {
  router.get('/risk-policy', async (c) => {
    const res: RiskPolicyResponse = await policies.get(c.get('device').tenant).then(({ policy, custom }) => ({ policy, custom }));
    return c.json(res);
  });

  router.put('/risk-policy', async (c) => {
    const admin = c.get('device');
    const req = assertValid<RiskPolicyPutRequest>(riskPolicyPutRequestSchema, jsonBody(c), 'Risk policy');
    const problems = policyProblems(req.policy);
    if (problems.length > 0) throw new ApiError('VALIDATION_ERROR', `Risk policy: ${problems.join('; ')}`, { reason: 'policy_order', problems });
    const policy: RiskPolicy = req.policy;
    const ts = deps.clock.now().toISOString();
    const previous = (await deps.storage.getRiskPolicy(admin.tenant)) ?? DEFAULT_RISK_POLICY;
    await deps.storage.putRiskPolicy(admin.tenant, policy, auditOf(c, ts, 'risk_policy.updated', admin.tenant, { reason: req.reason, policy }), ts);
    policies.invalidate(admin.tenant);
    // latestAppVersion is part of the precomputed version level: recompute the tenant's devices
    // now rather than at each one's next sync (putRiskPolicy re-ranked them with the old levels).
    if ((previous.latestAppVersion ?? null) !== (policy.latestAppVersion ?? null)) {
      await deps.storage.recomputeVersionLevels({ scope: { tenant: admin.tenant }, levelOf: (d, p) => versionLevelOf(d, deps.contracts, p), now: ts });
    }
    const res: RiskPolicyResponse = { policy, custom: true };
    return c.json(res);
  });
}

export function createAdminRouter(deps: AdminDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.use('*', requireAdmin);
  const ctx = adminContext(deps);
  listRoutes(router, ctx);
  deviceRoutes(router, ctx);
  controlRoutes(router, ctx);
  policyRoutes(router, ctx);
  // The storage probe and queue figures that /healthz keeps to itself.
  router.get('/health', async (c) => {
    const { ok, body } = await healthReport(deps);
    return c.json(body, ok ? 200 : 503);
  });
  return router;
}
