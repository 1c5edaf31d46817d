// POST /v1/device/signing-key: a device replaces its own Ed25519 signing key (issue 18). The request
// is signed with the old key (device authentication as usual); the body carries the new public key
// and the new key's signature over {device, previousKey, publicKey, at} (proof of possession). In
// one transaction the server keeps both keys in device_keys, makes the new one the device's key (the
// old one stops authenticating), audits `device.key_rotated` and issues a new certificate version,
// which reaches the tenant's devices through the feed like any other.
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import { CLOCK_SKEW_MS } from '../../shared/sync/protocol';
import { deviceKeyProofBytes, deviceKeyRequestSchema, type DeviceKeyRequest, type DeviceKeyResponse } from '../../shared/sync/server-keys';
import { assertValid } from '../../shared/validation';
import { publicKeyFromRaw, verifyBase64 } from '../../platform/ed25519';
import { certifier } from '../certificates';
import type { ServerDeps } from '../deps';
import { jsonBody, type AppEnv } from '../http';

const REFUSALS = {
  not_found: ['NOT_FOUND', 'This device is not enrolled'],
  revoked: ['FORBIDDEN', 'This device is revoked'],
  key_changed: ['CONFLICT', 'The signing key changed since this request was signed; nothing was changed'],
  key_in_use: ['CONFLICT', 'This key was already used by this device; generate a new one'],
} as const;

export function createDeviceKeyRouter(deps: Pick<ServerDeps, 'storage' | 'clock' | 'serverKey'>): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.post('/', async (c) => {
    const device = c.get('device');
    const body = assertValid<DeviceKeyRequest>(deviceKeyRequestSchema, jsonBody(c), 'Device key request');
    const now = deps.clock.now();
    if (Math.abs(Date.parse(body.at) - now.getTime()) > CLOCK_SKEW_MS) {
      throw new ApiError('VALIDATION_ERROR', 'The proof is not from now', { reason: 'proof_time' });
    }
    let ok = false;
    try {
      const proof = deviceKeyProofBytes({
        type: 'maestro.device-key.v1',
        device: device.id,
        previousKey: device.publicKey,
        publicKey: body.publicKey,
        at: body.at,
      });
      ok = verifyBase64(publicKeyFromRaw(body.publicKey), proof, body.proof);
    } catch {
      ok = false;
    }
    if (!ok) throw new ApiError('VALIDATION_ERROR', 'The new key did not sign the proof', { reason: 'proof' });
    const result = await deps.storage.rotateDeviceKey({
      device: device.id,
      oldPublicKey: device.publicKey,
      newPublicKey: body.publicKey,
      proofJson: deviceKeyProofBytes({
        type: 'maestro.device-key.v1',
        device: device.id,
        previousKey: device.publicKey,
        publicKey: body.publicKey,
        at: body.at,
      }),
      proofSig: body.proof,
      at: now.toISOString(),
      certify: certifier(deps.serverKey),
    });
    if (!result.ok) {
      const [code, message] = REFUSALS[result.reason];
      throw new ApiError(code, message, { reason: result.reason });
    }
    const res: DeviceKeyResponse = { version: result.version, certificate: result.certificate };
    return c.json(res);
  });
  return router;
}
