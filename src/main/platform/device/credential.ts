// The device's credential with the sync server: the enrolled config (server URL, device id) and the
// device's Ed25519 signing key from the secret store. The one place that knows the key names and how a
// request to the server is signed; sync, team, bundles, admin and evidence ask here.
import type { KeyObject } from 'node:crypto';
import type { Db } from '../db/connection';
import type { Clock } from '../util/clock';
import type { SecretStore } from '../keys/secret-store';
import { ApiError } from '../../../shared/errors';
import { privateKeyFromPem } from '../../../platform/ed25519';
import { newTraceId } from '../../../platform/trace-context';
import { sendJson, type FetchFn, type HttpReply } from './signed-fetch';
import { readSyncConfig, type SyncConfig } from './sync-config';
import { readServerKeyRing } from './server-keys';

/** Name of the device's Ed25519 signing key in the secret store (suffixed with the device id). */
export const DEVICE_KEY = 'device-signing-key';
/** Name of the device's X25519 private key (team sync); `${ENCRYPTION_KEY}-public` holds its public half. */
export const ENCRYPTION_KEY = 'device-encryption-key';

/** The secret-store name of a device's signing key. */
export const deviceKeyName = (deviceId: string): string => `${DEVICE_KEY}:${deviceId}`;

/** The secret-store name of the signing key in use: the enrollment name until the device rotates its key (features/sync/rotate-key.ts). */
export function signingKeyName(db: Db, deviceId: string): string {
  const r = db.prepare('SELECT signing_key_name AS name FROM sync_config WHERE singleton = 1').get() as { name: string | null } | undefined;
  return r?.name ?? deviceKeyName(deviceId);
}

/** Signs requests to the sync server as this device. */
export interface DeviceSigner {
  deviceId: string;
  key: KeyObject;
  now: () => Date;
  /** W3C trace id sent with each request (traceparent): one per credential load, so per sync run or pull. */
  traceId?: string;
  /** The newest server key id this device knows (sent so the server can send its later keys). */
  serverKeys?: () => string | null;
}

export interface CredentialDeps {
  db: Db;
  clock: Clock;
  secrets: () => Promise<SecretStore>;
}

export interface DeviceCredential {
  cfg: SyncConfig;
  signer: DeviceSigner;
}

/** Why there is no credential: not enrolled, the key store is locked, or the signing key is gone. */
export type CredentialLoad =
  | ({ ok: true } & DeviceCredential)
  | { ok: false; reason: 'not_enrolled' }
  | { ok: false; reason: 'locked'; cfg: SyncConfig; store: SecretStore }
  | { ok: false; reason: 'key_missing'; cfg: SyncConfig; store: SecretStore };

/** A signer for a device id and its PEM key. */
export const signerFrom = (deviceId: string, pem: string, clock: Clock): DeviceSigner => ({
  deviceId,
  key: privateKeyFromPem(pem),
  now: () => clock.now(),
  traceId: newTraceId(),
});

/**
 * The enrolled config and the device signing key, or what is missing. `check` runs on the config
 * before the secret store is opened (the admin board refuses a device without the admin role there).
 */
export async function loadDeviceCredential(d: CredentialDeps, check?: (cfg: SyncConfig) => void): Promise<CredentialLoad> {
  const cfg = readSyncConfig(d.db);
  if (!cfg) return { ok: false, reason: 'not_enrolled' };
  check?.(cfg);
  const store = await d.secrets();
  if (store.isLocked()) return { ok: false, reason: 'locked', cfg, store };
  const pem = await store.get(signingKeyName(d.db, cfg.deviceId));
  if (!pem) return { ok: false, reason: 'key_missing', cfg, store };
  const signer = signerFrom(cfg.deviceId, pem, d.clock);
  signer.serverKeys = () => readServerKeyRing(d.db)?.newestKeyId ?? null;
  return { ok: true, cfg, signer };
}

/** The message of a missing signing key. */
const keyMissingMessage = (store: SecretStore): string => `The device signing key is missing from the ${store.kind}; re-enroll this device`;

/**
 * The credential, or a CONFLICT that says what is missing (`details.reason`: not_enrolled, locked,
 * key_missing). `notEnrolled` is the sentence for a device that is not enrolled.
 */
export async function requireDeviceCredential(d: CredentialDeps, notEnrolled: string, check?: (cfg: SyncConfig) => void): Promise<DeviceCredential> {
  const c = await loadDeviceCredential(d, check);
  if (c.ok) return { cfg: c.cfg, signer: c.signer };
  if (c.reason === 'not_enrolled') throw new ApiError('CONFLICT', notEnrolled, { reason: 'not_enrolled' });
  if (c.reason === 'locked') throw new ApiError('CONFLICT', 'Unlock the key vault first (Outbox → Unlock)', { reason: 'locked' });
  throw new ApiError('CONFLICT', keyMissingMessage(c.store), { reason: 'key_missing', store: c.store.kind });
}

/** One request to the enrolled server, signed with the device key. NetworkError when it cannot be reached. */
export function signedFetch(
  fetchFn: FetchFn,
  cred: DeviceCredential,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: unknown,
  timeoutMs?: number,
): Promise<HttpReply> {
  return sendJson(fetchFn, cred.cfg.serverUrl, method, path, body, cred.signer, timeoutMs);
}
