// Authenticates every /v1 request except enrollment: the device signs method, path (with query),
// timestamp, nonce and the SHA-256 of the exact body bytes with its enrolled Ed25519 key.
//
// Check order matters: everything that can refuse a request runs before the only write (the
// nonce), so a refused request stores nothing. Cheap header checks come first, then the device
// lookup, then signature verification, then the per-device rate limit (after the signature, so
// nobody can drain a device's bucket by forging its id), and last the nonce insert, whose
// uniqueness constraint makes the replay check atomic.
import { createHash, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/errors';
import type { AuthRefusalReason } from '../../shared/server-api';
import { CLOCK_SKEW_MS, H_DEVICE, H_NONCE, H_SIGNATURE, H_TIMESTAMP, requestSigningBytes } from '../../shared/sync/protocol';
import { publicKeyFromRaw, verifyBase64 } from '../../platform/ed25519';
import { sha256Hex } from '../../platform/hash';
import { RawBody, type AppEnv } from '../http';
import type { ServerStorage } from '../storage/types';
import type { RateLimiter } from './rate-limit';

export interface DeviceAuthDeps {
  storage: ServerStorage;
  clock: { now(): Date };
  /** Per-device buckets: in memory (SQLite) or shared by every instance (PostgreSQL). */
  limiter: RateLimiter;
  /** Paths under the mount that need no device signature (enrollment). */
  exempt: readonly string[];
}

// A timestamp is only accepted within ±CLOCK_SKEW_MS of the server clock, so a nonce cannot be
// replayed more than 2 × CLOCK_SKEW_MS after it was first seen; older nonces can go.
export const NONCE_RETENTION_MS = 2 * CLOCK_SKEW_MS;
const PURGE_EVERY_MS = 60_000;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const KEY_CACHE_MAX = 10_000;

export function refuse(reason: AuthRefusalReason, message: string): ApiError {
  return new ApiError('UNAUTHORIZED', message, { reason });
}

/**
 * The request body and its SHA-256. Under @hono/node-server, a body with a Content-Length (which the
 * body-limit middleware has already held to its cap) is read straight from the socket into one buffer
 * of that length and hashed as it arrives: no web-stream copies, which is most of what a 4 MiB
 * attachment chunk costs the server (decision 0020). Anything else goes through the Request.
 */
async function readBody(c: Context<AppEnv>): Promise<{ body: RawBody; sha256: string }> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = c.req.header('content-length');
  const direct = incoming && !incoming.readableDidRead && declared !== undefined && /^\d{1,10}$/.test(declared) && !c.req.header('transfer-encoding');
  if (!direct) {
    const body = new Uint8Array(await c.req.arrayBuffer());
    return { body: new RawBody([body]), sha256: sha256Hex(body) };
  }
  const want = Number(declared);
  const parts: Buffer[] = [];
  const h = createHash('sha256');
  let at = 0;
  for await (const part of incoming as AsyncIterable<Buffer>) {
    at += part.length;
    if (at > want) throw new ApiError('VALIDATION_ERROR', 'Request body is longer than its Content-Length', { reason: 'body_length' });
    parts.push(part);
    h.update(part);
  }
  if (at !== want) throw new ApiError('VALIDATION_ERROR', 'Request body is shorter than its Content-Length', { reason: 'body_length' });
  return { body: new RawBody(parts), sha256: h.digest('hex') };
}

export function deviceAuth(deps: DeviceAuthDeps): MiddlewareHandler<AppEnv> {
  // Parsing a public key costs more than verifying with it; keep the KeyObjects.
  const keys = new Map<string, KeyObject>();
  const keyFor = (b64: string): KeyObject => {
    let k = keys.get(b64);
    if (!k) {
      if (keys.size >= KEY_CACHE_MAX) keys.clear();
      k = publicKeyFromRaw(Buffer.from(b64, 'base64'));
      keys.set(b64, k);
    }
    return k;
  };
  let lastPurge = 0;

  return async (c, next) => {
    if (deps.exempt.includes(c.req.path)) return next();

    const deviceId = c.req.header(H_DEVICE);
    const timestamp = c.req.header(H_TIMESTAMP);
    const nonce = c.req.header(H_NONCE);
    const signature = c.req.header(H_SIGNATURE);
    if (!deviceId || !timestamp || !nonce || !signature) {
      throw refuse('missing_signature', `Signed request headers required: ${H_DEVICE}, ${H_TIMESTAMP}, ${H_NONCE}, ${H_SIGNATURE}`);
    }
    if (nonce.length < 16 || nonce.length > 128 || deviceId.length > 64) {
      throw refuse('missing_signature', `${H_NONCE} must be 16-128 characters and ${H_DEVICE} at most 64`);
    }

    const now = deps.clock.now();
    const sent = ISO_TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : NaN;
    if (!Number.isFinite(sent) || Math.abs(now.getTime() - sent) > CLOCK_SKEW_MS) {
      throw refuse('expired_timestamp', `${H_TIMESTAMP} must be an ISO time within ${CLOCK_SKEW_MS / 60000} minutes of the server clock`);
    }

    const device = await deps.storage.getDevice(deviceId);
    if (!device) throw refuse('unknown_device', 'Unknown device');
    if (device.revokedAt !== null) throw refuse('revoked_device', 'Device has been revoked');

    const url = new URL(c.req.url);
    const path = url.pathname + url.search;
    const { body, sha256: bodySha256 } = await readBody(c);
    const message = requestSigningBytes({ method: c.req.method, path, timestamp, nonce, bodySha256 });
    if (!verifyBase64(keyFor(device.publicKey), message, signature)) throw refuse('bad_signature', 'Request signature does not verify');

    const allowed = await deps.limiter.take(device.id);
    if (!allowed.ok) {
      c.header('Retry-After', String(Math.ceil(allowed.retryAfterMs / 1000)));
      throw new ApiError('RATE_LIMITED', 'Too many requests from this device', { reason: 'device_rate', retryAfterMs: allowed.retryAfterMs });
    }

    if (!(await deps.storage.rememberNonce(device.id, nonce, now.toISOString()))) throw refuse('replayed', 'Nonce already used');

    if (now.getTime() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = now.getTime();
      await deps.storage.purgeNonces(new Date(now.getTime() - NONCE_RETENTION_MS).toISOString());
      await deps.limiter.purge();
    }

    c.set('device', device);
    c.set('rawBody', body);
    c.set('signedRequest', { path, timestamp, nonce, signature, bodySha256 });
    await next();
  };
}
