// Admin API for devices enrolled with the 'admin' role. An admin acts within its own tenant only:
// it cannot mint tokens for, or revoke devices of, another tenant (the CLI, run by the operator
// on the server host, can).
import { Hono, type MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/errors';
import type { EnrollmentTokenResponse, RevokeDeviceResponse } from '../../shared/server-api';
import { enrollmentTokenRequestSchema } from '../../shared/sync/schemas';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../app';
import { createEnrollmentToken, type TokenRequest } from '../enrollment-tokens';
import { parseJsonBody, type AppEnv } from '../http';

export type AdminDeps = Pick<ServerDeps, 'storage' | 'clock'>;

const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('device').roles.includes('admin')) throw new ApiError('FORBIDDEN', 'Admin role required', { reason: 'role' });
  await next();
};

export function createAdminRouter(deps: AdminDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.use('*', requireAdmin);

  router.post('/enrollment-tokens', async (c) => {
    const admin = c.get('device');
    const req = assertValid<TokenRequest>(enrollmentTokenRequestSchema, parseJsonBody(c.get('rawBody')), 'Enrollment token request');
    if (req.tenant !== admin.tenant) throw new ApiError('FORBIDDEN', 'Admins can create tokens for their own tenant only', { reason: 'tenant' });
    const res: EnrollmentTokenResponse = await createEnrollmentToken(deps.storage, deps.clock.now(), req, admin.id);
    return c.json(res);
  });

  router.post('/devices/:id/revoke', async (c) => {
    const admin = c.get('device');
    const id = c.req.param('id');
    const ts = deps.clock.now().toISOString();
    const revokedAt = await deps.storage.revokeDevice(id, admin.tenant, { ts, actor: admin.id, action: 'device.revoked', subject: id, payload: { by: admin.id } });
    // Another tenant's device is reported as missing, not forbidden: ids of other tenants don't leak.
    if (revokedAt === null) throw new ApiError('NOT_FOUND', 'Device not found');
    const res: RevokeDeviceResponse = { revokedAt };
    return c.json(res);
  });

  return router;
}
