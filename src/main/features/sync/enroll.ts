// Enrollment: a one-time token from the server, this device's fresh signing and encryption keys, and
// the server's certificate; the config, role, certificate and audit entry land in one transaction.
import { hostname } from 'node:os';
import { ApiError } from '../../../shared/errors';
import { compileSchema, describeErrors } from '../../../shared/validation';
import { topRole } from '../../../shared/team/protocol';
import type { EnrollResponse } from '../../../shared/sync/protocol';
import { enrollResponseSchema } from '../../../shared/sync/schemas';
import type { Profile } from '../../../shared/api/types';
import { newKeyPair } from '../../../platform/ed25519';
import { newEncryptionKeyPair } from '../../platform/device/x25519';
import { deviceKeyName, ENCRYPTION_KEY, signerFrom, type DeviceSigner } from '../../platform/device/credential';
import { seedServerKeys } from '../../platform/device/server-keys';
import { SERVER_KEYS_PATH, serverKeysResponseSchema, type ServerKeysResponse } from '../../../shared/sync/server-keys';
import { learnFromReply } from './server-keys';
import { NetworkError, sendJson } from '../../platform/device/signed-fetch';
import { readSyncConfig, writeSyncConfig, type SyncConfig } from '../../platform/device/sync-config';
import type { SecretStore } from '../../platform/keys/secret-store';
import { APP_VERSION } from '../../platform/version';
import type { EngineCtx } from './context';

function parseServerUrl(serverUrl: string): URL {
  try {
    return new URL(serverUrl);
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'Server URL is not a URL', { reason: 'server_url' });
  }
}

/** POST /v1/enroll and check the reply. */
async function askServer(ctx: EngineCtx, url: URL, token: string, profile: Profile, publicKey: string, encryptionKey: string): Promise<EnrollResponse> {
  let reply;
  try {
    reply = await sendJson(ctx.fetchFn, url.toString(), 'POST', '/v1/enroll', {
      token,
      publicKey,
      encryptionKey,
      deviceName: `${profile.name} on ${hostname()}`.slice(0, 120),
      appVersion: APP_VERSION,
    });
  } catch (e) {
    throw new ApiError('NOT_FOUND', `Nothing answered at ${url.origin}: check the address and that this computer is online. (${(e as Error).message})`, {
      reason: 'unreachable',
      origin: url.origin,
    });
  }
  if (reply.status !== 200) {
    const err = (reply.body as { error?: { code?: string; message?: string; details?: { reason?: unknown } } } | null)?.error;
    // A reply without our error envelope: something answered, but not a Maestro sync server.
    if (!err?.message) {
      throw new ApiError(
        'NOT_FOUND',
        `${url.origin} answered, but it is not a Maestro sync server (HTTP ${reply.status}). Check the address your admin gave you.`,
        {
          reason: 'not_a_sync_server',
          origin: url.origin,
          status: reply.status,
        },
      );
    }
    throw new ApiError(reply.status === 401 ? 'FORBIDDEN' : 'CONFLICT', `Enrollment refused: ${err.message}`, {
      reason: 'enrollment_refused',
      serverCode: typeof err.code === 'string' ? err.code : 'unknown',
      serverReason: typeof err.details?.reason === 'string' ? err.details.reason : 'unknown',
    });
  }
  const valid = compileSchema(enrollResponseSchema);
  if (!valid(reply.body)) throw new ApiError('INTERNAL', 'Server sent a malformed enrollment reply', describeErrors(valid.errors));
  const r = reply.body as EnrollResponse;
  if (r.tenant !== profile.tenant) {
    throw new ApiError('CONFLICT', `The token is for tenant "${r.tenant}" but this device's profile is tenant "${profile.tenant}"`, {
      reason: 'tenant_mismatch',
      tokenTenant: r.tenant,
      profileTenant: profile.tenant,
    });
  }
  return r;
}

async function checkReady(ctx: EngineCtx): Promise<{ profile: Profile; store: SecretStore }> {
  const profile = ctx.d.profile.require();
  if (readSyncConfig(ctx.d.db)) throw new ApiError('CONFLICT', 'This device is already enrolled', { reason: 'already_enrolled' });
  const store = await ctx.d.secrets();
  if (store.isLocked()) throw new ApiError('FORBIDDEN', 'Unlock the passphrase vault before enrolling', { reason: 'locked' });
  return { profile, store };
}

export async function enrollDevice(ctx: EngineCtx, serverUrl: string, token: string): Promise<SyncConfig> {
  const { d } = ctx;
  const { profile, store } = await checkReady(ctx);
  const url = parseServerUrl(serverUrl);
  const kp = newKeyPair();
  const ek = newEncryptionKeyPair();
  const r = await askServer(ctx, url, token, profile, kp.publicRaw, ek.publicRaw);
  const certificate = d.team.acceptEnrollmentCertificate(r.certificate, r.serverPublicKey, r.tenant, r.deviceId);
  await store.set(deviceKeyName(r.deviceId), kp.privatePem);
  await store.set(`${ENCRYPTION_KEY}:${r.deviceId}`, ek.privatePem);
  await store.set(`${ENCRYPTION_KEY}-public:${r.deviceId}`, ek.publicRaw);
  const top = topRole(r.roles);
  d.db.transaction(() => {
    writeSyncConfig(d.db, {
      serverUrl: url.toString(),
      deviceId: r.deviceId,
      tenant: r.tenant,
      user: r.user,
      roles: r.roles,
      serverKeyId: r.serverKeyId,
      serverPublicKey: r.serverPublicKey,
      enrolledAt: ctx.now(),
      contracts: r.contracts,
    });
    seedServerKeys(d.db, r.serverKeyId, r.serverPublicKey, ctx.now());
    d.profile.setRole(top);
    d.team.storeCert(certificate);
    d.audit.append({
      actor: `user:${profile.id}`,
      action: 'device.enrolled',
      subject: r.deviceId,
      payload: { server: url.origin, user: r.user, roles: r.roles, serverKeyId: r.serverKeyId, certVersion: certificate.cert.certVersion },
    });
  })();
  await learnChain(ctx, url.toString(), signerFrom(r.deviceId, kp.privatePem, d.clock));
  return readSyncConfig(d.db)!;
}

/**
 * The server's key chain, so a device enrolled after a rotation also trusts the keys before its pin
 * (older certificates and receipts of its tenant). Best effort: the next sync asks again.
 */
async function learnChain(ctx: EngineCtx, serverUrl: string, signer: DeviceSigner): Promise<void> {
  try {
    const reply = await sendJson(ctx.fetchFn, serverUrl, 'GET', SERVER_KEYS_PATH, undefined, signer);
    if (reply.status === 200 && compileSchema(serverKeysResponseSchema)(reply.body)) {
      const chain = reply.body as ServerKeysResponse;
      if (chain.statements.length > 0) learnFromReply(ctx.d, chain.statements);
    }
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
  }
}
