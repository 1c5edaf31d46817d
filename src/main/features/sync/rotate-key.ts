// Device key rotation (issue 18): the device replaces its own Ed25519 signing key. Crash-safe: the
// new key is stored under a new secret-store name and noted as pending before the request; the
// device switches (signing_key_name) only once the server accepted it. A rotation interrupted after
// the server accepted (the old key then gets 401) is finished on the next attempt: the pending key
// is tried and kept when the server takes it.
import { ApiError } from '../../../shared/errors';
import { deviceKeyProofBytes, DEVICE_SIGNING_KEY_PATH, SERVER_KEYS_PATH, type DeviceKeyResponse } from '../../../shared/sync/server-keys';
import { newKeyPair, rawPublicKeyBase64, signBase64 } from '../../../platform/ed25519';
import { DEVICE_KEY, requireDeviceCredential, signerFrom, type DeviceSigner } from '../../platform/device/credential';
import { sendJson, type FetchFn } from '../../platform/device/signed-fetch';
import { pendingKeyName, setPendingKeyName, switchSigningKey } from '../../platform/device/sync-config';
import type { SyncDeps } from './context';

export type RotateDeps = Pick<SyncDeps, 'db' | 'clock' | 'secrets' | 'audit'>;

export interface RotateResult {
  /** The key's version in the server's history of this device. */
  version: number;
  publicKey: string;
  certVersion: number;
}

const pendingOf = (d: RotateDeps): string | null => pendingKeyName(d.db);

function switchTo(d: RotateDeps, name: string, payload: Record<string, unknown>): void {
  d.db.transaction(() => {
    switchSigningKey(d.db, name);
    d.audit.append({ actor: 'service:sync', action: 'sync.device_key_rotated', subject: name, payload });
  })();
}

/** A pending key from an interrupted rotation: kept when the server already takes it, dropped when it does not. */
async function resumePending(d: RotateDeps, fetchFn: FetchFn, serverUrl: string, deviceId: string): Promise<boolean> {
  const name = pendingOf(d);
  if (!name) return false;
  const store = await d.secrets();
  const pem = await store.get(name);
  if (pem) {
    const probe = await sendJson(fetchFn, serverUrl, 'GET', SERVER_KEYS_PATH, undefined, signerFrom(deviceId, pem, d.clock));
    if (probe.status === 200) {
      switchTo(d, name, { resumed: true });
      return true;
    }
  }
  setPendingKeyName(d.db, null);
  await store.delete(name);
  return false;
}

async function post(fetchFn: FetchFn, serverUrl: string, signer: DeviceSigner, body: unknown) {
  const reply = await sendJson(fetchFn, serverUrl, 'POST', DEVICE_SIGNING_KEY_PATH, body, signer);
  if (reply.status !== 200) {
    const err = (reply.body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError('CONFLICT', `The server refused the new key (${reply.status} ${err?.code ?? ''}): ${err?.message ?? ''}`.trim(), {
      reason: 'key_refused',
      status: reply.status,
    });
  }
  return reply.body as DeviceKeyResponse;
}

/** Generates a new signing key, has the server accept it (request signed with the old key), then switches to it. */
export async function rotateDeviceKey(d: RotateDeps, fetchFn: FetchFn): Promise<RotateResult> {
  let cred = await requireDeviceCredential(d, 'Enroll this device before rotating its key');
  if (await resumePending(d, fetchFn, cred.cfg.serverUrl, cred.cfg.deviceId)) {
    cred = await requireDeviceCredential(d, 'Enroll this device before rotating its key');
  }
  const { cfg, signer } = cred;
  const kp = newKeyPair();
  const name = `${DEVICE_KEY}:${cfg.deviceId}:${d.clock.now().getTime().toString(36)}`;
  const store = await d.secrets();
  await store.set(name, kp.privatePem);
  setPendingKeyName(d.db, name);
  const at = d.clock.now().toISOString();
  const previousKey = rawPublicKeyBase64(signer.key);
  const proof = signBase64(
    signerFrom(cfg.deviceId, kp.privatePem, d.clock).key,
    deviceKeyProofBytes({ type: 'maestro.device-key.v1', device: cfg.deviceId, previousKey, publicKey: kp.publicRaw, at }),
  );
  const res = await post(fetchFn, cfg.serverUrl, signer, { publicKey: kp.publicRaw, at, proof });
  // The old key stays in the store (unused) so evidence packs signed with it can still be explained;
  // the new certificate reaches this device's team store on its next pull, like any other.
  switchTo(d, name, { version: res.version, previousKey, publicKey: kp.publicRaw, certVersion: res.certificate.cert.certVersion });
  return { version: res.version, publicKey: kp.publicRaw, certVersion: res.certificate.cert.certVersion };
}
