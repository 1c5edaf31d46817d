// Bundles from the enrolled sync server: the device's own signing key authenticates each GET; what
// arrives is verified in full like any other source.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { SecretStore } from '../../platform/keys/secret-store';
import type { FetchFn } from '../../platform/device/signed-fetch';
import { requireDeviceCredential } from '../../platform/device/credential';
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
  const { cfg, signer } = await requireDeviceCredential(d, 'This device is not enrolled with a sync server; install bundles from a folder instead');
  return { serverUrl: cfg.serverUrl, signer };
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
