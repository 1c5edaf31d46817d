// Bundles from the enrolled sync server: the device's own signing key authenticates each GET; what
// arrives is verified in full like any other source.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { SecretStore } from '../../platform/keys/secret-store';
import { ApiError } from '../../../shared/errors';
import { privateKeyFromPem } from '../../../platform/ed25519';
import type { FetchFn } from '../../platform/device/signed-fetch';
import { readSyncConfig } from '../../platform/device/sync-config';
import { DEVICE_KEY } from '../sync/engine';
import { httpReader, listServerBundles, type DeviceSigner, type ServerBundleEntry } from './http-source';
import type { BundleReader } from './source';

export interface ServerSourceDeps {
  db: Db;
  clock: Clock;
  secrets: () => Promise<SecretStore>;
  fetch?: FetchFn;
}

/** The enrolled server and this device's request signer; refusals say what is missing. */
export async function deviceCredential(d: ServerSourceDeps): Promise<{ serverUrl: string; signer: DeviceSigner }> {
  const cfg = readSyncConfig(d.db);
  if (!cfg) throw new ApiError('CONFLICT', 'This device is not enrolled with a sync server; install bundles from a folder instead', { reason: 'not_enrolled' });
  const store = await d.secrets();
  if (store.isLocked()) throw new ApiError('CONFLICT', 'Unlock the key vault first (Outbox → Unlock)', { reason: 'locked' });
  const pem = await store.get(`${DEVICE_KEY}:${cfg.deviceId}`);
  if (!pem) throw new ApiError('CONFLICT', `The device signing key is missing from the ${store.kind}; re-enroll this device`, { reason: 'key_missing' });
  return { serverUrl: cfg.serverUrl, signer: { deviceId: cfg.deviceId, key: privateKeyFromPem(pem), now: () => d.clock.now() } };
}

export async function serverReader(d: ServerSourceDeps, name: string): Promise<BundleReader> {
  const { serverUrl, signer } = await deviceCredential(d);
  return httpReader(serverUrl, name, d.fetch ?? fetch, { signer });
}

export async function serverBundles(d: ServerSourceDeps): Promise<ServerBundleEntry[]> {
  const { serverUrl, signer } = await deviceCredential(d);
  // Network failures arrive as ApiError UNAVAILABLE (reason: network) from the reader.
  return listServerBundles(serverUrl, d.fetch ?? fetch, { signer });
}
