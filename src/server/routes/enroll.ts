// POST /v1/enroll: the one unauthenticated /v1 route. A one-time token (from an admin or the
// CLI) binds the device's Ed25519 public key (and, for team sync, its X25519 key) to a tenant, user
// and role; the response carries the server's public key for the device to pin and the device's
// first certificate. A device that sends H_SERVER_KEYS also gets the server key chain (key rotation).
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import type { EnrollRequest, EnrollResponse } from '../../shared/sync/protocol';
import { enrollRequestSchema } from '../../shared/sync/schemas';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../deps';
import { refuse } from '../auth/device-auth';
import { certifier, isX25519PublicKey } from '../certificates';
import { publicKeyFromRaw } from '../../platform/ed25519';
import { hashEnrollmentToken } from '../enrollment-tokens';
import type { AppEnv } from '../http';
import { H_SERVER_KEYS } from '../../shared/sync/server-keys';
import { serverKeysFor, signingKey } from './server-keys';

export type EnrollDeps = Pick<ServerDeps, 'storage' | 'clock' | 'serverKey' | 'contracts'>;

export function createEnrollRouter(deps: EnrollDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.post('/', async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new ApiError('VALIDATION_ERROR', 'Request body is not valid JSON', { reason: 'malformed_json' });
    }
    const body = assertValid<EnrollRequest>(enrollRequestSchema, raw, 'Enrollment request');
    const publicKey = Buffer.from(body.publicKey, 'base64');
    try {
      publicKeyFromRaw(publicKey);
    } catch {
      throw new ApiError('VALIDATION_ERROR', 'publicKey is not an Ed25519 public key', { reason: 'public_key' });
    }
    if (body.encryptionKey !== undefined && !isX25519PublicKey(body.encryptionKey)) {
      throw new ApiError('VALIDATION_ERROR', 'encryptionKey is not an X25519 public key', { reason: 'encryption_key' });
    }
    const now = deps.clock.now().toISOString();
    const result = await deps.storage.enrollDevice(
      hashEnrollmentToken(body.token),
      now,
      {
        id: `dev_${randomBytes(12).toString('base64url')}`,
        name: body.deviceName,
        publicKey: publicKey.toString('base64'),
        appVersion: body.appVersion,
        enrolledAt: now,
        encryptionKey: body.encryptionKey ?? null,
      },
      certifier(deps.serverKey),
    );
    // Unknown, used and expired tokens look the same to the caller: no oracle for token guessing.
    if (!result.ok) throw refuse('enrollment_token', 'Enrollment token is invalid, used or expired');
    const d = result.device;
    // The key the device pins: the one signing now (its certificate names the same one).
    const key = signingKey(deps.serverKey, new Date(now));
    const res: EnrollResponse = {
      deviceId: d.id,
      tenant: d.tenant,
      user: d.user,
      roles: d.roles,
      serverKeyId: key.keyId,
      serverPublicKey: key.publicKey,
      contracts: deps.contracts.map(),
      certificate: result.certificate,
      ...serverKeysFor(deps.serverKey, c.req.header(H_SERVER_KEYS) === undefined ? undefined : ''),
    };
    return c.json(res);
  });
  return router;
}
