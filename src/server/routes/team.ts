// Team sync (issue 9), under /v1/team, signed device requests like every /v1 route:
//   GET  /certificate     the caller's current certificate (version 1 for a device enrolled before
//                         team sync; a renewal, same keys and roles, within CERT_RENEW_DAYS of expiry)
//   POST /encryption-key  registers the caller's X25519 key (devices enrolled before team sync)
//   GET  /keys            tenant key versions, those wrapped for the caller and (admins) the devices lacking some
//   GET  /keys/mine       every key version wrapped for the caller
//   POST /keys            admins: create the next tenant key version (the first admin wins) and store
//                         wrapped copies. Signatures are checked here; what depends on stored state
//                         (the caller's current certificate, recipients, versions) inside the storage
//                         transaction. Any failure refuses the whole request and stores nothing.
import { Hono } from 'hono';
import { canonicalJson } from '../../shared/canonical';
import { ApiError } from '../../shared/errors';
import {
  certificateSigningBytes,
  wrappedKeySigningBytes,
  type CertificateResponse,
  type EncryptionKeyPost,
  type TeamKeysPost,
  type TeamKeysPostResponse,
  type TeamKeysStatus,
  type MyWrappedKeys,
  type SignedWrappedKey,
} from '../../shared/team/protocol';
import { encryptionKeyPostSchema, teamKeysPostSchema } from '../../shared/team/schemas';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../deps';
import { certifier, isX25519PublicKey, needsRenewal } from '../certificates';
import { publicKeyFromRaw, verifyBase64 } from '../../platform/ed25519';
import { jsonBody, type AppEnv } from '../http';
import type { WrappedKeyWrite } from '../storage/types';

export type TeamDeps = Pick<ServerDeps, 'storage' | 'clock' | 'serverKey'>;

/** Devices listed in TeamKeysStatus.missing at most. */
export const MISSING_KEYS_CAP = 500;

/** The posted wrapped keys as rows to store, each checked (tenant, wrapper, its certificate, signature, key); throws on the first bad one. */
function wrappedKeyWrites(deps: TeamDeps, admin: AppEnv['Variables']['device'], body: TeamKeysPost): WrappedKeyWrite[] {
  const signingKey = publicKeyFromRaw(Buffer.from(admin.publicKey, 'base64'));
  return body.wrapped.map((w, index) => {
    const refuse = (code: 'FORBIDDEN' | 'VALIDATION_ERROR', reason: string, message: string): ApiError =>
      new ApiError(code, `Wrapped key ${index}: ${message}; nothing was stored`, { reason, index });
    const b = w.body;
    if (b.tenant !== admin.tenant) throw refuse('FORBIDDEN', 'tenant', "tenant is not the wrapping device's tenant");
    if (b.wrappedBy !== admin.id) throw refuse('FORBIDDEN', 'wrapped_by', 'wrappedBy is not the device posting it');
    if (w.wrapperCert.cert.device !== admin.id || !deps.serverKey.verify(certificateSigningBytes(w.wrapperCert.cert), w.wrapperCert.signature)) {
      throw refuse('FORBIDDEN', 'wrapper_cert', 'wrapperCert is not a certificate of the wrapping device signed by this server');
    }
    if (!verifyBase64(signingKey, wrappedKeySigningBytes(b), w.signature)) {
      throw refuse('VALIDATION_ERROR', 'signature', "the signature does not verify with the wrapping device's key");
    }
    if (!isX25519PublicKey(b.ephemeralKey)) throw refuse('VALIDATION_ERROR', 'ephemeral_key', 'ephemeralKey is not an X25519 public key');
    return {
      version: b.keyVersion,
      recipient: b.recipient,
      recipientKey: b.recipientKey,
      recipientCertVersion: b.recipientCertVersion,
      wrapperCert: { json: canonicalJson(w.wrapperCert.cert), signature: w.wrapperCert.signature },
      json: canonicalJson(w),
    };
  });
}

function certificateRoutes(router: Hono<AppEnv>, deps: TeamDeps, certify: ReturnType<typeof certifier>): void {
  router.get('/certificate', async (c) => {
    const device = c.get('device');
    const now = deps.clock.now();
    const certificate = await deps.storage.currentCertificate({ id: device.id, at: now.toISOString(), certify, needsRenewal: needsRenewal(now) });
    if (!certificate) throw new ApiError('NOT_FOUND', 'Device not found', { reason: 'device' });
    const res: CertificateResponse = { certificate };
    return c.json(res);
  });

  router.post('/encryption-key', async (c) => {
    const device = c.get('device');
    const body = assertValid<EncryptionKeyPost>(encryptionKeyPostSchema, jsonBody(c), 'Encryption key');
    if (!isX25519PublicKey(body.encryptionKey))
      throw new ApiError('VALIDATION_ERROR', 'encryptionKey is not an X25519 public key', { reason: 'encryption_key' });
    const ts = deps.clock.now().toISOString();
    const out = await deps.storage.registerEncryptionKey({
      id: device.id,
      key: body.encryptionKey,
      audit: { ts, actor: device.id, action: 'device.encryption_key.registered', subject: device.id, payload: { encryptionKey: body.encryptionKey } },
      certify,
    });
    if (!out.ok && out.reason === 'key_set') {
      throw new ApiError('CONFLICT', 'This device already registered another encryption key (keys wrapped to it could not be read with a new one)', {
        reason: 'encryption_key_set',
      });
    }
    if (!out.ok) throw new ApiError('NOT_FOUND', 'Device not found', { reason: 'device' });
    const res: CertificateResponse = { certificate: out.certificate };
    return c.json(res);
  });
}

function keyRoutes(router: Hono<AppEnv>, deps: TeamDeps): void {
  router.get('/keys', async (c) => {
    const device = c.get('device');
    const status = await deps.storage.teamKeys({
      tenant: device.tenant,
      device: device.id,
      withMissing: device.roles.includes('admin'),
      cap: MISSING_KEYS_CAP,
    });
    const res: TeamKeysStatus = { tenant: device.tenant, ...status };
    return c.json(res);
  });

  // Every key version wrapped for the caller: a device that enrolled late reads them before its pull,
  // whose feed would otherwise hold them behind the items they unlock.
  router.get('/keys/mine', async (c) => {
    const device = c.get('device');
    const rows = await deps.storage.wrappedKeysFor(device.tenant, device.id);
    const res: MyWrappedKeys = { wrapped: rows.map((r) => JSON.parse(r) as SignedWrappedKey) };
    return c.json(res);
  });

  router.post('/keys', async (c) => {
    const admin = c.get('device');
    if (!admin.roles.includes('admin')) throw new ApiError('FORBIDDEN', 'Admin role required to create or wrap tenant keys', { reason: 'role' });
    const body = assertValid<TeamKeysPost>(teamKeysPostSchema, jsonBody(c), 'Team keys');
    const wrapped = wrappedKeyWrites(deps, admin, body);
    const ts = deps.clock.now().toISOString();
    const out = await deps.storage.storeTeamKeys({
      tenant: admin.tenant,
      by: admin.id,
      at: ts,
      create: body.create?.version ?? null,
      wrapped,
      audit: {
        ts,
        actor: admin.id,
        action: 'tenant_keys.stored',
        subject: admin.tenant,
        payload: { by: admin.id, user: admin.user, wrapped: wrapped.map((w) => ({ version: w.version, recipient: w.recipient })) },
      },
    });
    if (!out.ok) throw new ApiError(out.code, out.message, out.details);
    const res: TeamKeysPostResponse = { created: out.created, stored: out.stored };
    return c.json(res);
  });
}

export function createTeamRouter(deps: TeamDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  certificateRoutes(router, deps, certifier(deps.serverKey));
  keyRoutes(router, deps);
  return router;
}
