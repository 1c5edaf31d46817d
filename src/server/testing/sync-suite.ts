// The sync server's integration suite, written once and run per storage backend (SQLite always,
// PostgreSQL when MAESTRO_TEST_DATABASE_URL is set). Everything goes through app.request(): the
// real middleware, routes and storage, no port. "Stores nothing" is checked on the rows.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, type TestContext } from 'vitest';
import {
  CLOCK_SKEW_MS,
  H_NONCE,
  checkpointSigningBytes,
  receiptSigningBytes,
  type ItemResult,
  type SignedReceipt,
  type SyncBatchResponse,
} from '../../shared/sync/protocol';
import { MAX_BATCH_BYTES, enrollResponseSchema, syncBatchResponseSchema } from '../../shared/sync/schemas';
import {
  adminDeviceDetailResponseSchema,
  adminDeviceListResponseSchema,
  contractsResponseSchema,
  deviceBlockedDetailsSchema,
  errorResponseSchema,
  adminHealthResponseSchema,
  healthResponseSchema,
  riskPolicyResponseSchema,
  riskSummaryResponseSchema,
  type AdminDeviceDetailResponse,
  type AdminDeviceListResponse,
  type AdminDeviceView,
  type RiskSummaryResponse,
} from '../../shared/server-api';
import { DAY_MS, DEFAULT_RISK_POLICY } from '../../shared/risk';
import { msg } from '../../shared/messages';
import { compileSchema, describeErrors } from '../../shared/validation';
import { publicKeyFromRaw, verifyBase64 } from '../../platform/ed25519';
import { sha256Hex } from '../../platform/hash';
import { generateServerKey } from '../crypto/server-key';
import { registryFromRows } from '../contracts';
import { createEnrollmentToken } from '../enrollment-tokens';
import { createAdminRouter } from '../routes/admin';
import { GENESIS_HASH, type ServerStorage } from '../storage/types';
import type { TestBackend } from './backends';
import { auditChain, makeItem, newDeviceKeys, randomKey, signedHeaders } from './device-client';
import { createHarness, T0, type Device, type Harness, type HarnessOptions } from './harness';

// Declared once for the server tests: scripts/test-all.mjs prints meta.skipReason for each skip.
declare module 'vitest' {
  interface TaskMeta {
    skipReason?: string;
  }
}

const REASON = JSON.stringify({ reason: 'Lost on site visit' });

/**
 * Every route of createAdminRouter (paths relative to /v1/admin) with a body it would accept from
 * an admin. A test checks this table against the router's own route list, so a new admin route
 * without a row here fails the suite.
 */
const ADMIN_ROUTES: readonly { method: string; path: string; body: string }[] = [
  { method: 'POST', path: '/enrollment-tokens', body: JSON.stringify({ tenant: 'acme', user: 'newcomer', role: 'admin' }) },
  { method: 'GET', path: '/devices', body: '' },
  { method: 'GET', path: '/devices/:id', body: '' },
  { method: 'GET', path: '/risk-summary', body: '' },
  ...['block', 'unblock', 'require-update', 'clear-update'].map((action) => ({
    method: 'POST',
    path: `/devices/:id/${action}`,
    body: JSON.stringify({ reason: 'Field audit finding 42' }),
  })),
  { method: 'POST', path: '/devices/:id/roles', body: JSON.stringify({ roles: ['reviewer'], reason: 'Promoted to site lead', confirm: true }) },
  { method: 'POST', path: '/devices/:id/revoke', body: JSON.stringify({ reason: 'Field audit finding 42' }) },
  { method: 'GET', path: '/risk-policy', body: '' },
  { method: 'GET', path: '/health', body: '' },
  {
    method: 'PUT',
    path: '/risk-policy',
    body: JSON.stringify({ policy: { ...DEFAULT_RISK_POLICY, pending: { medium: 5, high: 10 } }, reason: 'Tighter queue limits' }),
  },
];

async function okJson<T>(res: Response, schema: Record<string, unknown>): Promise<T> {
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectSchema(schema, body);
  return body as T;
}

const parsePayload = (p: unknown): Record<string, unknown> => (typeof p === 'string' ? JSON.parse(p) : p) as Record<string, unknown>;

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

function expectSchema(schema: Record<string, unknown>, value: unknown): void {
  const validate = compileSchema(schema);
  expect(validate(value), JSON.stringify(describeErrors(validate.errors))).toBe(true);
}

async function errorOf(res: Response): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const body: unknown = await res.json();
  expectSchema(errorResponseSchema, body);
  return (body as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
}

async function batchBody(res: Response): Promise<SyncBatchResponse> {
  expect(res.status).toBe(200);
  const body: unknown = await res.json();
  expectSchema(syncBatchResponseSchema, body);
  return body as SyncBatchResponse;
}

function verifyReceipt(dev: Device, r: SignedReceipt): boolean {
  return verifyBase64(publicKeyFromRaw(Buffer.from(dev.enroll.serverPublicKey, 'base64')), receiptSigningBytes(r.receipt), r.signature);
}

export function defineSyncServerSuite(backend: TestBackend): void {
  /** A test that runs on a fresh database, or is skipped (with its reason recorded) without one. */
  function test(name: string, fn: (h: Harness) => Promise<void>, opts: HarnessOptions = {}): void {
    it(name, async (ctx: TestContext) => {
      const reason = backend.skipReason();
      if (reason) {
        ctx.task.meta.skipReason = reason;
        return ctx.skip(reason);
      }
      const db = await backend.open();
      let h: Harness | undefined;
      try {
        h = await createHarness(db, opts);
        await fn(h);
      } finally {
        await h?.serverKey.close();
        await db.dispose();
      }
    });
  }

  describe(`sync server on ${backend.label}`, () => {
    describe('enrollment', () => {
      test('a one-time token enrolls a device, registers its key and returns the server key and contracts', async (h) => {
        const { token, expiresAt } = await createEnrollmentToken(h.db.storage, h.now(), { tenant: 'acme', user: 'ana', role: 'reviewer', ttlHours: 2 }, 'test');
        expect(expiresAt).toBe(new Date(T0 + 2 * 3_600_000).toISOString());
        const keys = newDeviceKeys();
        const res = await h.app.request('/v1/enroll', {
          method: 'POST',
          body: JSON.stringify({ token, publicKey: keys.publicKey, deviceName: 'Field tablet', appVersion: '1.4.0' }),
        });
        expect(res.status).toBe(200);
        const body: unknown = await res.json();
        expectSchema(enrollResponseSchema, body);
        expect(body).toMatchObject({
          tenant: 'acme',
          user: 'ana',
          roles: ['reviewer'],
          serverKeyId: h.serverKey.keyId,
          serverPublicKey: h.serverKey.publicKey,
          contracts: { 'field.inspect.site': '1.2.0', 'lab.record.specimen': '2.0.1' },
        });
        const deviceId = (body as { deviceId: string }).deviceId;
        expect(deviceId).toMatch(/^dev_[A-Za-z0-9_-]{16}$/);
        expect(h.serverKey.keyId).toBe(sha256Hex(Buffer.from(h.serverKey.publicKey, 'base64')).slice(0, 16));

        const [dev] = await h.db.query('SELECT id, tenant, user_id, public_key, name, app_version, revoked_at FROM devices');
        expect(dev).toMatchObject({
          id: deviceId,
          tenant: 'acme',
          user_id: 'ana',
          public_key: keys.publicKey,
          name: 'Field tablet',
          app_version: '1.4.0',
          revoked_at: null,
        });
        // Only the hash of the token is stored, and it is now used.
        const tokens = await h.db.query('SELECT token_hash, used_by FROM enrollment_tokens');
        expect(tokens).toEqual([{ token_hash: sha256Hex(token), used_by: deviceId }]);
        const audit = await h.db.query('SELECT action, actor, subject FROM server_audit ORDER BY seq');
        expect(audit.map((a) => a.action)).toEqual(['enrollment_token.created', 'device.enrolled']);
        expect(JSON.stringify(audit)).not.toContain(token);
      });

      test('a reused, expired or unknown token is refused with reason enrollment_token and stores nothing', async (h) => {
        const { token } = await createEnrollmentToken(h.db.storage, h.now(), { tenant: 'acme', user: 'ana', role: 'field', ttlHours: 1 }, 'test');
        const enroll = (t: string) =>
          h.app.request('/v1/enroll', {
            method: 'POST',
            body: JSON.stringify({ token: t, publicKey: newDeviceKeys().publicKey, deviceName: 'x', appVersion: '1' }),
          });
        expect((await enroll(token)).status).toBe(200);

        const before = await h.snapshot();
        const reused = await enroll(token);
        expect(reused.status).toBe(401);
        expect(await errorOf(reused)).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'enrollment_token' } });
        expect(await errorOf(await enroll(`mst_${randomKey()}`))).toMatchObject({ details: { reason: 'enrollment_token' } });
        expect(await h.snapshot()).toEqual(before);

        const { token: shortLived } = await createEnrollmentToken(h.db.storage, h.now(), { tenant: 'acme', user: 'bo', role: 'field', ttlHours: 1 }, 'test');
        const beforeExpired = await h.snapshot();
        h.advance(3_600_000 + 1);
        const expired = await enroll(shortLived);
        expect(expired.status).toBe(401);
        expect(await errorOf(expired)).toMatchObject({ details: { reason: 'enrollment_token' } });
        expect(await h.snapshot()).toEqual(beforeExpired);
      });

      test('two concurrent enrollments with one token: exactly one device is enrolled', async (h) => {
        const { token } = await createEnrollmentToken(h.db.storage, h.now(), { tenant: 'acme', user: 'ana', role: 'field' }, 'test');
        const enroll = () =>
          h.app.request('/v1/enroll', {
            method: 'POST',
            body: JSON.stringify({ token, publicKey: newDeviceKeys().publicKey, deviceName: 'x', appVersion: '1' }),
          });
        const statuses = (await Promise.all([enroll(), enroll(), enroll()])).map((r) => r.status).sort();
        expect(statuses).toEqual([200, 401, 401]);
        expect(await h.count('devices')).toBe(1);
      });

      test('an invalid enrollment body is a 400 and stores nothing', async (h) => {
        const { token } = await createEnrollmentToken(h.db.storage, h.now(), { tenant: 'acme', user: 'ana', role: 'field' }, 'test');
        const before = await h.snapshot();
        const res = await h.app.request('/v1/enroll', {
          method: 'POST',
          body: JSON.stringify({ token, publicKey: 'short', deviceName: 'x', appVersion: '1' }),
        });
        expect(res.status).toBe(400);
        expect((await errorOf(res)).code).toBe('VALIDATION_ERROR');
        expect(await h.snapshot()).toEqual(before);
      });
    });

    describe('signed requests', () => {
      test('a correctly signed request is served (GET /v1/contracts, with a query string)', async (h) => {
        const dev = await h.enroll();
        const res = await h.signed(dev, 'GET', '/v1/contracts?fields=all');
        expect(res.status).toBe(200);
        const body: unknown = await res.json();
        expectSchema(contractsResponseSchema, body);
        expect(body).toEqual({ contracts: { 'field.inspect.site': '1.2.0', 'lab.record.specimen': '2.0.1' } });
        expect(await h.count('nonces')).toBe(1);
      });

      test("GET /v1/contracts/:ref returns that version's document; unknown or malformed refs are 404", async (h) => {
        const dev = await h.enroll();
        const res = await h.signed(dev, 'GET', `/v1/contracts/${encodeURIComponent('field.inspect.site@1.2.0')}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          contract: 'field.inspect.site@1.2.0',
          document: { contract: 'field.inspect.site@1.2.0', title: 'field.inspect.site@1.2.0' },
        });
        expect((await h.signed(dev, 'GET', '/v1/contracts/field.inspect.site@9.9.9')).status).toBe(404);
        expect((await h.signed(dev, 'GET', '/v1/contracts/nonsense')).status).toBe(404);
      });

      const refusals: [string, string, (h: Harness, dev: Device, body: string) => Promise<Response>][] = [
        ['no signature headers', 'missing_signature', (h, _d, body) => Promise.resolve(h.app.request('/v1/sync/batch', { method: 'POST', body }))],
        ['a nonce shorter than 16 characters', 'missing_signature', (h, dev, body) => h.signed(dev, 'POST', '/v1/sync/batch', body, { nonce: 'short' })],
        [
          'an unknown device',
          'unknown_device',
          (h, _d, body) => h.signed({ id: 'dev_nobody', privateKey: newDeviceKeys().privateKey }, 'POST', '/v1/sync/batch', body),
        ],
        [
          'a body changed after signing',
          'bad_signature',
          async (h, dev, body) => {
            const headers = signedHeaders(dev, 'POST', '/v1/sync/batch', body, h.now());
            return h.app.request('/v1/sync/batch', { method: 'POST', headers, body: body.replace('1.0.0', '6.6.6') });
          },
        ],
        [
          'a signature by another key',
          'bad_signature',
          (h, dev, body) => h.signed({ id: dev.id, privateKey: newDeviceKeys().privateKey }, 'POST', '/v1/sync/batch', body),
        ],
        [
          'a signature for another path',
          'bad_signature',
          async (h, dev, body) => {
            const headers = signedHeaders(dev, 'POST', '/v1/sync/batch?x=1', body, h.now());
            return h.app.request('/v1/sync/batch', { method: 'POST', headers, body });
          },
        ],
        [
          'a timestamp older than the allowed skew',
          'expired_timestamp',
          (h, dev, body) => h.signed(dev, 'POST', '/v1/sync/batch', body, { timestamp: new Date(T0 - CLOCK_SKEW_MS - 1000).toISOString() }),
        ],
        [
          'a timestamp further ahead than the allowed skew',
          'expired_timestamp',
          (h, dev, body) => h.signed(dev, 'POST', '/v1/sync/batch', body, { timestamp: new Date(T0 + CLOCK_SKEW_MS + 1000).toISOString() }),
        ],
        ['a timestamp that is not ISO', 'expired_timestamp', (h, dev, body) => h.signed(dev, 'POST', '/v1/sync/batch', body, { timestamp: String(T0) })],
      ];
      for (const [what, reason, send] of refusals) {
        test(`${what} → 401 ${reason}, nothing stored`, async (h) => {
          const dev = await h.enroll();
          const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items: [makeItem()] });
          const before = await h.snapshot();
          const res = await send(h, dev, body);
          expect(res.status).toBe(401);
          expect(await errorOf(res)).toMatchObject({ code: 'UNAUTHORIZED', details: { reason } });
          expect(await h.snapshot()).toEqual(before);
        });
      }

      test('a timestamp just inside the skew window is accepted', async (h) => {
        const dev = await h.enroll();
        const res = await h.signed(dev, 'GET', '/v1/contracts', '', { timestamp: new Date(T0 - CLOCK_SKEW_MS + 1000).toISOString() });
        expect(res.status).toBe(200);
      });

      test('a replayed request (same nonce) → 401 replayed, the batch is not stored twice', async (h) => {
        const dev = await h.enroll();
        const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items: [makeItem()] });
        const headers = { 'content-type': 'application/json', ...signedHeaders(dev, 'POST', '/v1/sync/batch', body, h.now()) };
        expect((await h.app.request('/v1/sync/batch', { method: 'POST', headers, body })).status).toBe(200);
        const before = await h.snapshot();
        h.advance(60_000); // still inside the skew window
        const replay = await h.app.request('/v1/sync/batch', { method: 'POST', headers, body });
        expect(replay.status).toBe(401);
        expect(await errorOf(replay)).toMatchObject({ details: { reason: 'replayed' } });
        expect(await h.snapshot()).toEqual(before);
        // The same nonce is refused even with a fresh signature over a new timestamp.
        const again = await h.signed(dev, 'POST', '/v1/sync/batch', body, { nonce: (headers as Record<string, string>)[H_NONCE] });
        expect(await errorOf(again)).toMatchObject({ details: { reason: 'replayed' } });
      });

      test('a signed batch whose Content-Type is not JSON → 400 content_type, nothing stored', async (h) => {
        const dev = await h.enroll();
        const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items: [makeItem()] });
        const before = await h.snapshot();
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
          const headers = { ...(type ? { 'content-type': type } : {}), ...signedHeaders(dev, 'POST', '/v1/sync/batch', body, h.now()) };
          const res = await h.app.request('/v1/sync/batch', { method: 'POST', headers, body });
          expect(res.status).toBe(400);
          expect(await errorOf(res)).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'content_type' } });
        }
        // Only the signed requests' nonces are spent (replay protection); nothing else changed.
        expect({ ...(await h.snapshot()), nonces: 0 }).toEqual({ ...before, nonces: 0 });
      });

      test('a signed batch with a lone surrogate in its JSON → 400 malformed_text, nothing stored', async (h) => {
        const dev = await h.enroll();
        const before = await h.snapshot();
        const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items: [makeItem()] }).replace('"1.0.0"', '"1.0.0\\ud800"');
        const res = await h.signed(dev, 'POST', '/v1/sync/batch', body);
        expect(res.status).toBe(400);
        expect(await errorOf(res)).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'malformed_text' } });
        expect({ ...(await h.snapshot()), nonces: 0 }).toEqual({ ...before, nonces: 0 });
      });

      test('a revoked device → 401 revoked_device, nothing stored', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        const rev = await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/revoke`, REASON);
        expect(rev.status).toBe(200);
        const before = await h.snapshot();
        const res = await h.batch(dev, [makeItem()]);
        expect(res.status).toBe(401);
        expect(await errorOf(res)).toMatchObject({ details: { reason: 'revoked_device' } });
        expect(await h.snapshot()).toEqual(before);
      });

      test(
        'over the per-device rate limit → 429 RATE_LIMITED with Retry-After, nothing stored; refills with time',
        async (h) => {
          const dev = await h.enroll();
          const other = await h.enroll();
          for (let i = 0; i < 3; i++) expect((await h.signed(dev, 'GET', '/v1/contracts')).status).toBe(200);
          const before = await h.snapshot();
          const limited = await h.signed(dev, 'GET', '/v1/contracts');
          expect(limited.status).toBe(429);
          expect(limited.headers.get('retry-after')).toBe('1');
          expect(await errorOf(limited)).toMatchObject({ code: 'RATE_LIMITED' });
          expect(await h.snapshot()).toEqual(before);
          // Buckets are per device.
          expect((await h.signed(other, 'GET', '/v1/contracts')).status).toBe(200);
          h.advance(1000);
          expect((await h.signed(dev, 'GET', '/v1/contracts')).status).toBe(200);
        },
        { rateLimit: { perSecond: 1, burst: 3 } },
      );

      test('the server public key verifies receipts, and a tampered receipt fails verification', async (h) => {
        const dev = await h.enroll();
        const res = await batchBody(await h.batch(dev, [makeItem()]));
        const signed = res.results[0]!.receipt!;
        expect(verifyReceipt(dev, signed)).toBe(true);
        expect(verifyReceipt(dev, { ...signed, receipt: { ...signed.receipt, serverSeq: signed.receipt.serverSeq + 1 } })).toBe(false);
        expect(verifyReceipt(dev, { ...signed, receipt: { ...signed.receipt, contentHash: randomKey() } })).toBe(false);
        const sig = Buffer.from(signed.signature, 'base64');
        sig[0] = sig[0]! ^ 1;
        expect(verifyReceipt(dev, { ...signed, signature: sig.toString('base64') })).toBe(false);
      });
    });

    describe('POST /v1/sync/batch', () => {
      test('accepts items: ciphertext and metadata stored, signed receipt, audit row, device last sync updated', async (h) => {
        const dev = await h.enroll();
        const bytes = randomBytes(1024);
        const item = makeItem({ bytes, kind: 'attachment', keyVersion: 3 });
        const res = await batchBody(await h.batch(dev, [item], { appVersion: '1.5.0' }));
        expect(res.serverTime).toBe(new Date(T0).toISOString());
        expect(res.contracts).toEqual({ 'field.inspect.site': '1.2.0', 'lab.record.specimen': '2.0.1' });
        const r = res.results[0]!;
        expect(r).toMatchObject({ idempotencyKey: item.idempotencyKey, status: 'accepted' });
        expect(r.receipt!.receipt).toMatchObject({
          tenant: 'acme',
          device: dev.id,
          idempotencyKey: item.idempotencyKey,
          contentHash: item.contentHash,
          serverSeq: 1,
          receivedAt: new Date(T0).toISOString(),
          serverKeyId: h.serverKey.keyId,
        });
        expect(verifyReceipt(dev, r.receipt!)).toBe(true);

        const [row] = await h.db.query('SELECT * FROM sync_items');
        expect(row).toMatchObject({
          server_seq: 1,
          tenant: 'acme',
          device: dev.id,
          idempotency_key: item.idempotencyKey,
          contract: item.contract,
          kind: 'attachment',
          key_version: 3,
          iv: item.iv,
          tag: item.tag,
          content_hash: item.contentHash,
        });
        expect(Buffer.compare(row!.ciphertext as Buffer, bytes)).toBe(0);
        expect(JSON.parse(row!.receipt_json as string)).toEqual(r.receipt!.receipt);
        const audit = await h.db.query("SELECT actor, subject FROM server_audit WHERE action = 'sync.item.stored'");
        expect(audit).toEqual([{ actor: dev.id, subject: item.idempotencyKey }]);
        const [d] = await h.db.query('SELECT app_version, last_sync_at FROM devices WHERE id = $1', [dev.id]);
        expect(d!.app_version).toBe('1.5.0');
        expect(d!.last_sync_at).not.toBeNull();
      });

      test('a full batch (signed on worker threads): every receipt verifies and server seqs are consecutive', async (h) => {
        const dev = await h.enroll();
        const items = Array.from({ length: 120 }, () => makeItem());
        const res = await batchBody(await h.batch(dev, [...items, items[7]!]));
        expect(res.results.filter((r) => r.status === 'accepted')).toHaveLength(120);
        expect(res.results[120]).toMatchObject({ status: 'duplicate', receipt: res.results[7]!.receipt });
        res.results.forEach((r, i) => {
          expect(verifyReceipt(dev, r.receipt!)).toBe(true);
          if (i < 120) expect(r.receipt!.receipt).toMatchObject({ idempotencyKey: items[i]!.idempotencyKey, serverSeq: i + 1 });
        });
        // Stored signatures are the ones returned (none left unsigned).
        const rows = await h.db.query('SELECT server_seq, receipt_sig FROM sync_items ORDER BY server_seq');
        expect(rows.map((r) => r.receipt_sig)).toEqual(res.results.slice(0, 120).map((r) => r.receipt!.signature));
      });

      test('a plaintext field on any item refuses the whole batch (400 plaintext_field), storing no item', async (h) => {
        const dev = await h.enroll();
        for (const field of ['payload', 'data', 'plaintext']) {
          const before = await h.snapshot();
          const res = await h.batch(dev, [makeItem(), { ...makeItem(), [field]: { siteId: 'PS-7' } }]);
          expect(res.status).toBe(400);
          expect(await errorOf(res)).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'plaintext_field', index: 1, field } });
          // Authenticated, so its nonce is consumed (a replay is refused); nothing else is written.
          const after = await h.snapshot();
          expect(after).toEqual({ ...before, nonces: (before.nonces as number) + 1 });
        }
        expect(await h.count('sync_items')).toBe(0);
      });

      test('an oversized batch → 413 before authentication, nothing stored (not even the nonce)', async (h) => {
        const dev = await h.enroll();
        // Four items at the per-item maximum (2 MiB of base64 each) overflow the 8 MiB batch limit.
        const big = () => makeItem({ bytes: randomBytes(1.5 * 1024 * 1024) });
        const items = [big(), big(), big(), big()];
        const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items });
        expect(body.length).toBeGreaterThan(MAX_BATCH_BYTES);
        const before = await h.snapshot();
        const headers = signedHeaders(dev, 'POST', '/v1/sync/batch', body, h.now());
        const res = await h.app.request('/v1/sync/batch', { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body });
        expect(res.status).toBe(413);
        expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
        // Streamed without a length, too.
        const streamed = await h.app.request('/v1/sync/batch', { method: 'POST', headers: signedHeaders(dev, 'POST', '/v1/sync/batch', body, h.now()), body });
        expect(streamed.status).toBe(413);
        expect(await h.snapshot()).toEqual(before);
        // Three of them fit.
        expect((await batchBody(await h.batch(dev, items.slice(0, 3)))).results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
      });

      test('a malformed item is rejected on its own (VALIDATION_ERROR) while the good item is accepted', async (h) => {
        const dev = await h.enroll();
        const good = makeItem();
        const { iv: _iv, ...missingIv } = makeItem();
        const wrongHash = makeItem({ contentHash: randomKey() });
        const res = await batchBody(await h.batch(dev, [missingIv, good, wrongHash, 'not an object']));
        expect(res.results.map((r) => [r.status, r.error?.code])).toEqual([
          ['rejected', 'VALIDATION_ERROR'],
          ['accepted', undefined],
          ['rejected', 'VALIDATION_ERROR'],
          ['rejected', 'VALIDATION_ERROR'],
        ]);
        expect(res.results[0]!.idempotencyKey).toBe(missingIv.idempotencyKey);
        expect(res.results[2]!.error!.details).toMatchObject({ reason: 'content_hash' });
        expect(await h.db.query('SELECT idempotency_key FROM sync_items')).toEqual([{ idempotency_key: good.idempotencyKey }]);
        expect(await h.count('server_audit')).toBe(2 + 1); // token + enrollment + one stored item
      });

      test('a batch for another device → 403 FORBIDDEN, no item stored', async (h) => {
        const dev = await h.enroll();
        const before = await h.snapshot();
        const res = await h.batch(dev, [makeItem()], { device: 'dev_someoneelse' });
        expect(res.status).toBe(403);
        expect(await errorOf(res)).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'device_mismatch' } });
        expect(await h.snapshot()).toEqual({ ...before, nonces: (before.nonces as number) + 1 });
      });

      test('idempotency: accepted, then duplicate with the original receipt byte for byte, then conflict storing nothing', async (h) => {
        const dev = await h.enroll();
        const item = makeItem();
        const first = await batchBody(await h.batch(dev, [item]));
        expect(first.results[0]!.status).toBe('accepted');

        h.advance(30_000);
        const againText = await (await h.batch(dev, [item])).text();
        const again = JSON.parse(againText) as SyncBatchResponse;
        expect(again.results[0]!.status).toBe('duplicate');
        expect(JSON.stringify(again.results[0]!.receipt)).toBe(JSON.stringify(first.results[0]!.receipt));
        expect(againText).toContain(JSON.stringify(first.results[0]!.receipt));

        const before = await h.snapshot();
        const conflicting = makeItem({ idempotencyKey: item.idempotencyKey });
        const conflict = await batchBody(await h.batch(dev, [conflicting]));
        expect(conflict.results[0]).toMatchObject({ idempotencyKey: item.idempotencyKey, status: 'rejected', error: { code: 'IDEMPOTENCY_CONFLICT' } });
        expect(conflict.results[0]!.receipt).toBeUndefined();
        const after = await h.snapshot();
        // Only the device's registry row and today's snapshot of it move (last sync time).
        const moved = { nonces: 0, deviceRows: '', device_snapshotsRows: '' };
        expect({ ...after, ...moved }).toEqual({ ...before, ...moved });
        const [row] = await h.db.query('SELECT content_hash FROM sync_items');
        expect(row!.content_hash).toBe(item.contentHash);
      });

      test('concurrent batches carrying the same item: stored once, every response carries the same receipt', async (h) => {
        const dev = await h.enroll();
        const item = makeItem();
        const responses = await Promise.all([1, 2, 3, 4].map(() => h.batch(dev, [makeItem(), item])));
        const results = await Promise.all(responses.map(batchBody));
        const forItem = results.map((r) => r.results[1]!);
        expect(forItem.filter((r) => r.status === 'accepted')).toHaveLength(1);
        expect(forItem.filter((r) => r.status === 'duplicate')).toHaveLength(3);
        for (const r of forItem) expect(r.receipt).toEqual(forItem[0]!.receipt);
        expect(await h.count('sync_items')).toBe(5);
        const seqs = (await h.db.query('SELECT server_seq FROM sync_items ORDER BY server_seq')).map((r) => Number(r.server_seq));
        expect(new Set(seqs).size).toBe(5);
      });

      test('the same key twice in one batch: the second is a duplicate; another tenant has its own key space', async (h) => {
        const dev = await h.enroll();
        const item = makeItem();
        const res = await batchBody(await h.batch(dev, [item, item]));
        expect(res.results.map((r) => r.status)).toEqual(['accepted', 'duplicate']);
        expect(res.results[1]!.receipt).toEqual(res.results[0]!.receipt);
        const other = await h.enroll({ tenant: 'globex' });
        expect((await batchBody(await h.batch(other, [item]))).results[0]!.status).toBe('accepted');
        expect(await h.count('sync_items')).toBe(2);
      });

      test('another device of the tenant re-sending a stored key gets IDEMPOTENCY_CONFLICT, not the first device’s receipt', async (h) => {
        const a = await h.enroll();
        const b = await h.enroll();
        const item = makeItem();
        const first = await batchBody(await h.batch(a, [item]));
        expect(first.results[0]!.receipt!.receipt.device).toBe(a.id);
        const before = await h.snapshot();
        const res = await batchBody(await h.batch(b, [item]));
        expect(res.results[0]).toMatchObject({ status: 'rejected', error: { code: 'IDEMPOTENCY_CONFLICT', details: { reason: 'other_device' } } });
        expect(res.results[0]!.receipt).toBeUndefined();
        expect(await h.count('sync_items')).toBe(before.sync_items);
        // The device that stored it still gets its own receipt back.
        expect((await batchBody(await h.batch(a, [item]))).results[0]).toMatchObject({ status: 'duplicate', receipt: first.results[0]!.receipt });
      });

      test('contracts: unknown → CONTRACT_UNKNOWN, other major → CONTRACT_BREAKING with requiredVersion, minor/patch differences accepted', async (h) => {
        const dev = await h.enroll();
        const items = [
          makeItem({ contract: 'field.inspect.site@2.0.0' }),
          makeItem({ contract: 'lab.record.specimen@1.0.0' }),
          makeItem({ contract: 'field.inspect.site@1.0.0' }),
          makeItem({ contract: 'field.inspect.site@1.9.3' }),
          makeItem({ contract: 'lab.record.specimen@2.0.0' }),
          makeItem({ contract: 'no.such.contract@1.0.0' }),
        ];
        const res = await batchBody(await h.batch(dev, items));
        const summary = res.results.map((r: ItemResult) => [r.status, r.error?.code, r.error?.details?.requiredVersion]);
        expect(summary).toEqual([
          ['rejected', 'CONTRACT_BREAKING', 'field.inspect.site@1.2.0'],
          ['rejected', 'CONTRACT_BREAKING', 'lab.record.specimen@2.0.1'],
          ['accepted', undefined, undefined],
          ['accepted', undefined, undefined],
          ['accepted', undefined, undefined],
          ['rejected', 'CONTRACT_UNKNOWN', undefined],
        ]);
        expect(await h.count('sync_items')).toBe(3);
        const reg = await h.db.query("SELECT version, breaking FROM contract_versions WHERE name = 'lab.record.specimen' ORDER BY version");
        expect(reg.map((r) => [r.version, Boolean(r.breaking)])).toEqual([
          ['1.0.0', false],
          ['2.0.1', true],
        ]);
      });
    });

    describe('audit anchoring', () => {
      test('consecutive anchors get signed checkpoints; a retried overlap and an empty anchor are accepted', async (h) => {
        const dev = await h.enroll();
        const serverKey = publicKeyFromRaw(Buffer.from(dev.enroll.serverPublicKey, 'base64'));
        const a1 = auditChain(3, { seq: 0, hash: GENESIS_HASH });
        const r1 = await batchBody(await h.batch(dev, [makeItem(), makeItem()], { anchor: a1 }));
        expect(r1.anchorError).toBeUndefined();
        const cp = r1.checkpoint!;
        expect(cp.checkpoint).toEqual({
          device: dev.id,
          seq: 3,
          head: a1.head.hash,
          serverSeq: 2,
          time: new Date(T0).toISOString(),
          serverKeyId: h.serverKey.keyId,
        });
        expect(verifyBase64(serverKey, checkpointSigningBytes(cp.checkpoint), cp.signature)).toBe(true);
        expect(verifyBase64(serverKey, checkpointSigningBytes({ ...cp.checkpoint, seq: 2 }), cp.signature)).toBe(false);

        const a2 = auditChain(2, a1.head);
        const r2 = await batchBody(await h.batch(dev, [], { anchor: a2 }));
        expect(r2.checkpoint!.checkpoint).toMatchObject({ seq: 5, head: a2.head.hash });

        // The device lost the last response and resends from entry 4 plus one new entry.
        const a3 = auditChain(1, a2.head);
        const overlap = { entries: [...a2.entries, ...a3.entries], head: a3.head };
        const r3 = await batchBody(await h.batch(dev, [], { anchor: overlap }));
        expect(r3.checkpoint!.checkpoint).toMatchObject({ seq: 6, head: a3.head.hash });

        const r4 = await batchBody(await h.batch(dev, [], { anchor: { entries: [], head: a3.head } }));
        expect(r4.checkpoint!.checkpoint).toMatchObject({ seq: 6, head: a3.head.hash });

        const rows = await h.db.query('SELECT seq, prev_hash, hash FROM device_audit_hashes WHERE device = $1 ORDER BY seq', [dev.id]);
        expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6]);
        expect(rows[3]).toMatchObject({ prev_hash: a1.head.hash, hash: a2.entries[0]!.hash });
        const [d] = await h.db.query('SELECT last_anchor_seq, last_anchor_hash, flagged_at FROM devices WHERE id = $1', [dev.id]);
        expect(d).toMatchObject({ last_anchor_hash: a3.head.hash, flagged_at: null });
        expect(Number(d!.last_anchor_seq)).toBe(6);
      });

      test('a different hash for an anchored seq is equivocation: device flagged, evidence stored, no checkpoint, items still processed', async (h) => {
        const dev = await h.enroll();
        const a1 = auditChain(3, { seq: 0, hash: GENESIS_HASH });
        await batchBody(await h.batch(dev, [], { anchor: a1 }));

        // A rewritten history from seq 2 on.
        const forked = auditChain(2, { seq: 1, hash: a1.entries[0]!.hash });
        const item = makeItem();
        const res = await batchBody(await h.batch(dev, [item], { anchor: forked }));
        expect(res.anchorError).toMatchObject({ code: 'ANCHOR_EQUIVOCATION' });
        expect(res.checkpoint).toBeUndefined();
        expect(res.results[0]!.status).toBe('accepted');

        const [d] = await h.db.query('SELECT flagged_at, last_anchor_seq, last_anchor_hash FROM devices WHERE id = $1', [dev.id]);
        expect(d!.flagged_at).toBe(new Date(T0).toISOString());
        expect(Number(d!.last_anchor_seq)).toBe(3);
        expect(d!.last_anchor_hash).toBe(a1.head.hash);
        const [eq] = await h.db.query('SELECT device, seq, stored_hash, claimed_hash, evidence FROM equivocations');
        expect(eq).toMatchObject({ device: dev.id, stored_hash: a1.entries[1]!.hash, claimed_hash: forked.entries[0]!.hash });
        expect(Number(eq!.seq)).toBe(2);
        const evidence = (typeof eq!.evidence === 'string' ? JSON.parse(eq!.evidence) : eq!.evidence) as Record<string, unknown>;
        expect(evidence).toMatchObject({
          stored: { seq: 2, hash: a1.entries[1]!.hash },
          claimed: forked.entries[0],
          request: { path: '/v1/sync/batch' },
        });
        expect(await h.count('device_audit_hashes')).toBe(3);
        expect(await h.db.query("SELECT subject FROM server_audit WHERE action = 'device.equivocation'")).toEqual([{ subject: dev.id }]);

        const health = (await (await h.signed(await h.enroll({ role: 'admin' }), 'GET', '/v1/admin/health')).json()) as { sync: { flaggedDevices: number } };
        expect(health.sync.flaggedDevices).toBe(1);
      });

      test('broken linkage → ANCHOR_BROKEN, nothing anchored', async (h) => {
        const dev = await h.enroll();
        const a1 = auditChain(2, { seq: 0, hash: GENESIS_HASH });
        await batchBody(await h.batch(dev, [], { anchor: a1 }));
        const next = auditChain(3, a1.head);
        const cases = [
          { name: 'gap', anchor: { entries: next.entries.slice(1), head: next.head } },
          { name: 'wrong prevHash', anchor: { entries: [{ ...next.entries[0]!, prevHash: randomKey() }, ...next.entries.slice(1)], head: next.head } },
          {
            name: 'broken inner link',
            anchor: { entries: [next.entries[0]!, { ...next.entries[1]!, prevHash: randomKey() }, next.entries[2]!], head: next.head },
          },
          { name: 'head not the last entry', anchor: { entries: next.entries, head: { seq: 5, hash: randomKey() } } },
          { name: 'empty entries, head ahead', anchor: { entries: [], head: next.head } },
          { name: 'empty entries, head behind', anchor: { entries: [], head: { seq: 1, hash: a1.entries[0]!.hash } } },
        ];
        const before = await h.snapshot();
        for (const c of cases) {
          const res = await batchBody(await h.batch(dev, [], { anchor: c.anchor }));
          expect(res.anchorError?.code, c.name).toBe('ANCHOR_BROKEN');
          expect(res.checkpoint, c.name).toBeUndefined();
        }
        expect(await h.count('device_audit_hashes')).toBe(2);
        expect(await h.count('equivocations')).toBe(before.equivocations);
        const [d] = await h.db.query('SELECT last_anchor_hash, flagged_at FROM devices WHERE id = $1', [dev.id]);
        expect(d).toEqual({ last_anchor_hash: a1.head.hash, flagged_at: null });
      });
    });

    describe('admin API', () => {
      it('the role table below names every route the admin router registers', () => {
        const router = createAdminRouter({
          storage: {} as ServerStorage,
          clock: { now: () => new Date(T0) },
          contracts: registryFromRows([]),
          serverKey: generateServerKey(),
          version: '0.0.0-test',
          startedAt: T0,
        });
        const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
        expect(ADMIN_ROUTES.map(key).sort()).toEqual(
          router.routes
            .filter((r) => r.method !== 'ALL')
            .map(key)
            .sort(),
        );
        // The one catch-all is the role check itself.
        expect(router.routes.filter((r) => r.method === 'ALL').map((r) => r.path)).toEqual(['/*']);
      });

      test('needs the admin role: a field or reviewer device gets 403 FORBIDDEN (role) on every admin route, and nothing changes', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const victim = await h.enroll();
        // State each route would change if it ran: a custom policy, a blocked + update-required device,
        // snapshots of yesterday, stored ranks an admin read would refresh (8 days offline → medium).
        await batchBody(await h.batch(victim, [makeItem()], { deviceState: { pendingCount: 3, deadLetterCount: 0, contractVersions: {} } }));
        expect(
          (await h.signed(admin, 'PUT', '/v1/admin/risk-policy', JSON.stringify({ policy: DEFAULT_RISK_POLICY, reason: 'Start from defaults' }))).status,
        ).toBe(200);
        for (const action of ['block', 'require-update'])
          expect((await h.signed(admin, 'POST', `/v1/admin/devices/${victim.id}/${action}`, REASON)).status).toBe(200);
        h.advance(8 * DAY_MS);
        const outsiders = [await h.enroll(), await h.enroll({ role: 'reviewer' })];
        const before = await h.snapshot();
        for (const who of outsiders) {
          for (const r of ADMIN_ROUTES) {
            const res = await h.signed(who, r.method, `/v1/admin${r.path.replace(':id', victim.id)}`, r.body);
            const what = `${who.enroll.roles.join()} ${r.method} ${r.path}`;
            expect(res.status, what).toBe(403);
            expect(await errorOf(res), what).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'role' } });
          }
        }
        // Only nonces moved (each signed request spends one; expired ones are purged meanwhile).
        expect({ ...(await h.snapshot()), nonces: 0 }).toEqual({ ...before, nonces: 0 });
        // The same requests from the admin do change things (so the table's bodies are real requests).
        for (const r of ADMIN_ROUTES) {
          const res = await h.signed(admin, r.method, `/v1/admin${r.path.replace(':id', victim.id)}`, r.body);
          expect(res.status, `admin ${r.method} ${r.path}`).toBe(200);
        }
      });

      test('an admin creates a usable token for its tenant, but not for another tenant', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const res = await h.signed(
          admin,
          'POST',
          '/v1/admin/enrollment-tokens',
          JSON.stringify({ tenant: 'acme', user: 'carla', role: 'reviewer', ttlHours: 48 }),
        );
        expect(res.status).toBe(200);
        const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: string };
        expect(expiresAt).toBe(new Date(T0 + 48 * 3_600_000).toISOString());
        const enroll = await h.app.request('/v1/enroll', {
          method: 'POST',
          body: JSON.stringify({ token, publicKey: newDeviceKeys().publicKey, deviceName: 'c', appVersion: '1' }),
        });
        expect(await enroll.json()).toMatchObject({ tenant: 'acme', user: 'carla', roles: ['reviewer'] });
        const [a] = await h.db.query("SELECT actor FROM server_audit WHERE action = 'enrollment_token.created' ORDER BY seq DESC LIMIT 1");
        expect(a!.actor).toBe(admin.id);

        const foreign = await h.signed(admin, 'POST', '/v1/admin/enrollment-tokens', JSON.stringify({ tenant: 'globex', user: 'x', role: 'admin' }));
        expect(foreign.status).toBe(403);
        expect(await errorOf(foreign)).toMatchObject({ details: { reason: 'tenant' } });
        const invalid = await h.signed(admin, 'POST', '/v1/admin/enrollment-tokens', JSON.stringify({ tenant: 'acme', user: 'x', role: 'root' }));
        expect(invalid.status).toBe(400);
      });

      test('an admin revokes a device of its tenant (idempotent); unknown or foreign devices are 404', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        const foreign = await h.enroll({ tenant: 'globex' });
        const res = await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/revoke`, REASON);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ revokedAt: new Date(T0).toISOString() });
        h.advance(5000);
        expect(await (await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/revoke`, REASON)).json()).toEqual({ revokedAt: new Date(T0).toISOString() });
        expect((await h.signed(admin, 'POST', '/v1/admin/devices/dev_missing/revoke', REASON)).status).toBe(404);
        expect((await h.signed(admin, 'POST', `/v1/admin/devices/${foreign.id}/revoke`, REASON)).status).toBe(404);
        const revokes = await h.db.query("SELECT actor, subject, payload FROM server_audit WHERE action = 'device.revoked'");
        expect(revokes.map((r) => ({ ...r, payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload }))).toEqual([
          { actor: admin.id, subject: dev.id, payload: { by: admin.id, user: 'ana', reason: 'Lost on site visit' } },
        ]);
        // The reason is required.
        const noReason = await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/revoke`);
        expect(noReason.status).toBe(400);
        expect(await (await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/revoke`, JSON.stringify({ reason: 'x' }))).status).toBe(400);
      });
    });

    describe('offline governance', () => {
      const list = async (h: Harness, admin: Device, query = ''): Promise<AdminDeviceListResponse> =>
        okJson<AdminDeviceListResponse>(await h.signed(admin, 'GET', `/v1/admin/devices${query}`), adminDeviceListResponseSchema);
      const act = (h: Harness, admin: Device, id: string, action: string, reason = 'Field audit finding 42') =>
        h.signed(admin, 'POST', `/v1/admin/devices/${id}/${action}`, JSON.stringify({ reason }));
      const viewOf = (page: AdminDeviceListResponse, id: string): AdminDeviceView | undefined => page.devices.find((d) => d.id === id);

      test('an accepted batch records deviceState, version risk and a daily snapshot; a batch without it keeps the values', async (h) => {
        const dev = await h.enroll();
        const state = { pendingCount: 60, deadLetterCount: 2, contractVersions: { 'field.inspect.site': '1.0.0', 'lab.record.specimen': '2.0.1' } };
        await batchBody(await h.batch(dev, [makeItem()], { deviceState: state, appVersion: '1.3.0' }));
        const [d] = await h.db.query(
          'SELECT pending_count, dead_letter_count, contract_versions, version_level, last_sync_at, app_version FROM devices WHERE id = $1',
          [dev.id],
        );
        expect(d).toMatchObject({ pending_count: 60, dead_letter_count: 2, version_level: 1, last_sync_at: new Date(T0).toISOString(), app_version: '1.3.0' });
        expect(parsePayload(d!.contract_versions)).toEqual(state.contractVersions);
        const snaps = await h.db.query('SELECT day, device, tenant, level, pending_count, dead_letter_count, last_sync_at FROM device_snapshots');
        expect(snaps).toEqual([
          {
            day: '2025-03-01',
            device: dev.id,
            tenant: 'acme',
            level: 'medium',
            pending_count: 60,
            dead_letter_count: 2,
            last_sync_at: new Date(T0).toISOString(),
          },
        ]);

        // A major version behind is critical.
        h.advance(1000);
        await batchBody(await h.batch(dev, [], { deviceState: { ...state, contractVersions: { 'lab.record.specimen': '1.0.0' } } }));
        expect((await h.db.query('SELECT version_level FROM devices WHERE id = $1', [dev.id]))[0]).toEqual({ version_level: 3 });
        expect(await h.db.query('SELECT level FROM device_snapshots')).toEqual([{ level: 'critical' }]);

        // No deviceState: last reported values stay; lastSyncAt moves; same day → same snapshot row.
        h.advance(1000);
        await batchBody(await h.batch(dev, []));
        const [after] = await h.db.query('SELECT pending_count, dead_letter_count, last_sync_at FROM devices WHERE id = $1', [dev.id]);
        expect(after).toEqual({ pending_count: 60, dead_letter_count: 2, last_sync_at: new Date(T0 + 2000).toISOString() });
        expect(await h.db.query('SELECT COUNT(*) AS n FROM device_snapshots')).toEqual([{ n: 1 }]);
        // Next day: a second row.
        h.advance(DAY_MS);
        await batchBody(await h.batch(dev, [], { deviceState: { pendingCount: 0, deadLetterCount: 0, contractVersions: {} } }));
        const rows = await h.db.query('SELECT day, level FROM device_snapshots ORDER BY day');
        expect(rows).toEqual([
          { day: '2025-03-01', level: 'critical' },
          { day: '2025-03-02', level: 'low' },
        ]);

        const admin = await h.enroll({ role: 'admin' });
        const detail = await okJson<AdminDeviceDetailResponse>(await h.signed(admin, 'GET', `/v1/admin/devices/${dev.id}`), adminDeviceDetailResponseSchema);
        expect(detail.device).toMatchObject({ id: dev.id, pendingCount: 0, deadLetterCount: 0, risk: { level: 'low' } });
        expect(detail.snapshots.map((x) => [x.day, x.level])).toEqual([
          ['2025-03-02', 'low'],
          ['2025-03-01', 'critical'],
        ]);
      });

      test('list: filter by level and q, sort by pending / lastSyncAt / daysOffline / level, keyset paging with cursor', async (h) => {
        const admin = await h.enroll({ role: 'admin', user: 'boss', name: 'Admin desk' });
        const devs: Device[] = [];
        for (let i = 0; i < 6; i++) devs.push(await h.enroll({ user: `user${i}`, name: i === 3 ? 'Tablet Ünïque_3' : `Laptop ${i}` }));
        await h.enroll({ tenant: 'globex', user: 'other' });
        // Device i syncs with pending 10·i (i = 5 → 101 → high), then time passes in between.
        for (const [i, d] of devs.entries()) {
          await batchBody(await h.batch(d, [], { deviceState: { pendingCount: i === 5 ? 101 : 10 * i, deadLetterCount: 0, contractVersions: {} } }));
          h.advance(DAY_MS);
        }
        // Now T0 + 6 days: devs[0] synced 6 days ago, devs[5] 1 day ago; the admin never synced (enrolled at T0).
        h.advance(1.5 * DAY_MS); // 7.5 days after devs[0] → medium
        const all = await list(h, admin, '?limit=500');
        expect(all.total).toBe(7);
        expect(all.devices.every((d) => d.tenant === 'acme')).toBe(true);
        expect(viewOf(all, devs[0]!.id)!.risk).toMatchObject({ level: 'medium', reasons: [msg('risk.last_sync_over', { days: 7.5, limit: 7 })] });
        expect(viewOf(all, devs[0]!.id)!.daysOffline).toBe(7.5);
        expect(viewOf(all, devs[5]!.id)!.risk.level).toBe('high');
        expect(viewOf(all, admin.id)!.risk.level).toBe('medium'); // never synced, enrolled 7.5 days ago

        // Default sort: worst first, daysOffline desc == lastSyncAt asc (never-synced devices by enrollment time).
        expect(all.devices[0]!.daysOffline).toBe(Math.max(...all.devices.map((d) => d.daysOffline)));
        expect(all.devices.map((d) => d.daysOffline)).toEqual(all.devices.map((d) => d.daysOffline).sort((a, b) => b - a));
        expect(all.devices.map((d) => d.id)).toEqual(
          [admin.id, ...devs.map((d) => d.id)].sort((a, b) => {
            const seen = (id: string) => viewOf(all, id)!.lastSyncAt ?? viewOf(all, id)!.enrolledAt;
            return seen(a) < seen(b) ? -1 : seen(a) > seen(b) ? 1 : a < b ? -1 : 1;
          }),
        );

        const high = await list(h, admin, '?level=high');
        expect(high).toMatchObject({ total: 1, nextCursor: null });
        expect(high.devices.map((d) => d.id)).toEqual([devs[5]!.id]);
        const medium = await list(h, admin, '?level=medium&sort=pending&dir=desc');
        expect(medium.devices.map((d) => d.id)).toEqual([devs[0]!.id, admin.id].sort((a, b) => (a < b ? 1 : -1)));
        // q: case-insensitive prefix of the id, user or name; %, _ and \ literal.
        const byQ = await list(h, admin, `?q=${encodeURIComponent('TABLET ünïque_')}`);
        expect(byQ.devices.map((d) => d.id)).toEqual(backend.label === 'SQLite' ? [] : [devs[3]!.id]); // SQLite folds ASCII case only
        expect((await list(h, admin, `?q=${encodeURIComponent('tablet Ünïque_')}`)).devices.map((d) => d.id)).toEqual([devs[3]!.id]);
        expect((await list(h, admin, '?q=USER4')).devices.map((d) => d.id)).toEqual([devs[4]!.id]);
        expect((await list(h, admin, '?q=user')).total).toBe(6);
        expect((await list(h, admin, '?q=laptop&level=low')).total).toBe(3); // Laptop 1, 2, 4 (0 medium, 5 high)
        expect((await list(h, admin, '?q=aptop')).total).toBe(0); // a prefix, not a substring
        expect((await list(h, admin, `?q=${devs[2]!.id.slice(0, 12).toUpperCase()}`)).devices.map((d) => d.id)).toContain(devs[2]!.id);
        expect((await list(h, admin, '?q=DEV_')).total).toBe(7);
        expect((await list(h, admin, '?q=100%25')).total).toBe(0); // % is literal
        expect((await list(h, admin, '?q=user_')).total).toBe(0); // so is _

        // Paging by pending desc, 2 per page: every device once, in order.
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: AdminDeviceListResponse = await list(h, admin, `?sort=pending&dir=desc&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
          expect(page.total).toBe(7);
          seen.push(...page.devices.map((d) => d.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(pages).toBe(4);
        expect(seen.slice(0, 5)).toEqual([devs[5]!.id, devs[4]!.id, devs[3]!.id, devs[2]!.id, devs[1]!.id]);
        expect(new Set(seen).size).toBe(7);

        // daysOffline desc == lastSyncAt asc; level desc puts high first; paging on level and time sorts too.
        const off = await list(h, admin, '?sort=daysOffline&dir=desc&limit=500');
        expect(off.devices.map((d) => d.id)).toEqual(all.devices.map((d) => d.id));
        for (const sort of ['level', 'lastSyncAt', 'daysOffline']) {
          for (const dir of ['asc', 'desc']) {
            const full = (await list(h, admin, `?sort=${sort}&dir=${dir}&limit=500`)).devices.map((d) => d.id);
            const paged: string[] = [];
            let cur: string | null = null;
            do {
              const page: AdminDeviceListResponse = await list(h, admin, `?sort=${sort}&dir=${dir}&limit=3${cur ? `&cursor=${cur}` : ''}`);
              paged.push(...page.devices.map((d) => d.id));
              cur = page.nextCursor;
            } while (cur);
            expect(paged, `${sort} ${dir}`).toEqual(full);
          }
        }
        const levels = (await list(h, admin, '?sort=level&dir=desc')).devices.map((d) => d.risk.level);
        expect(levels.slice(0, 3)).toEqual(['high', 'medium', 'medium']);

        // Bad query values are 400s; a cursor only works with its own sort.
        for (const bad of ['?level=severe', '?sort=name', '?dir=up', '?limit=0', '?limit=501', '?cursor=nonsense', `?sort=level&cursor=${cursor ?? 'x'}`]) {
          const res = await h.signed(admin, 'GET', `/v1/admin/devices${bad}`);
          expect(res.status, bad).toBe(400);
        }
        const firstPage = await list(h, admin, '?sort=pending&limit=1');
        expect((await h.signed(admin, 'GET', `/v1/admin/devices?sort=level&limit=1&cursor=${firstPage.nextCursor}`)).status).toBe(400);
        // Listing writes today's snapshot of each listed device.
        expect(Number((await h.db.query("SELECT COUNT(*) AS n FROM device_snapshots WHERE day = '2025-03-09'"))[0]!.n)).toBe(7);
      });

      test('every sync reply carries deviceStatus: the risk after the batch with the tenant policy, as the admin view shows it', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        const detail = async () =>
          okJson<AdminDeviceDetailResponse>(await h.signed(admin, 'GET', `/v1/admin/devices/${dev.id}`), adminDeviceDetailResponseSchema);

        const low = await batchBody(await h.batch(dev, [makeItem()]));
        expect(low.deviceStatus).toEqual({
          blocked: false,
          updateRequired: false,
          risk: { level: 'low', reasons: [], allowedActions: ['read', 'capture', 'draft', 'submit', 'sync'] },
        });
        expect(low.deviceStatus.risk).toEqual((await detail()).device.risk);

        // What the batch reports counts at once: 60 pending is medium (default policy), one major behind is critical.
        const medium = await batchBody(await h.batch(dev, [], { deviceState: { pendingCount: 60, deadLetterCount: 0, contractVersions: {} } }));
        expect(medium.deviceStatus.risk).toMatchObject({ level: 'medium', reasons: [msg('risk.pending_over', { count: 60, limit: 50 })] });
        expect(medium.deviceStatus.risk).toEqual((await detail()).device.risk);
        expect((await list(h, admin, '?level=medium')).devices.map((d) => d.id)).toContain(dev.id);
        const critical = await batchBody(
          await h.batch(dev, [], { deviceState: { pendingCount: 0, deadLetterCount: 0, contractVersions: { 'lab.record.specimen': '1.0.0' } } }),
        );
        expect(critical.deviceStatus.risk.level).toBe('critical');
        expect(critical.deviceStatus.risk).toEqual((await detail()).device.risk);

        // The tenant's own policy, and the admin flags.
        const policy = { ...DEFAULT_RISK_POLICY, pending: { medium: 5, high: 10 } };
        expect((await h.signed(admin, 'PUT', '/v1/admin/risk-policy', JSON.stringify({ policy, reason: 'Tighter queue limits' }))).status).toBe(200);
        expect((await act(h, admin, dev.id, 'require-update', 'Security fix 1.4.2')).status).toBe(200);
        const high = await batchBody(await h.batch(dev, [], { deviceState: { pendingCount: 11, deadLetterCount: 0, contractVersions: {} } }));
        expect(high.deviceStatus).toMatchObject({
          blocked: false,
          updateRequired: true,
          risk: { level: 'high', reasons: [msg('risk.pending_over', { count: 11, limit: 10 }), msg('risk.update_required')] },
        });
        expect(high.deviceStatus.risk).toEqual((await detail()).device.risk);
        expect((await list(h, admin, '?level=high')).devices.map((d) => d.id)).toContain(dev.id);

        // Blocked: the 403 says when, why and how the server rates the device.
        expect((await act(h, admin, dev.id, 'block', 'Device reported stolen')).status).toBe(200);
        const refused = await h.batch(dev, []);
        expect(refused.status).toBe(403);
        const err = await errorOf(refused);
        expectSchema(deviceBlockedDetailsSchema, err.details);
        expect(err.details).toEqual({
          reason: 'device_blocked',
          blockedAt: h.now().toISOString(),
          blockedReason: 'Device reported stolen',
          deviceStatus: { blocked: true, updateRequired: true, risk: (await detail()).device.risk },
        });
        expect((err.details as { deviceStatus: { risk: { level: string } } }).deviceStatus.risk.level).toBe('critical');
      });

      test('tenants: an admin sees and acts on its own tenant only (403 for field devices: see "needs the admin role")', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const field = await h.enroll();
        const foreign = await h.enroll({ tenant: 'globex' });
        expect((await list(h, admin)).devices.map((d) => d.id).sort()).toEqual([admin.id, field.id].sort());
        expect((await h.signed(admin, 'GET', `/v1/admin/devices/${foreign.id}`)).status).toBe(404);
        for (const action of ['block', 'unblock', 'require-update', 'clear-update', 'revoke']) {
          expect((await act(h, admin, foreign.id, action)).status, action).toBe(404);
          expect((await act(h, admin, 'dev_missing', action)).status, action).toBe(404);
        }
        const [f] = await h.db.query('SELECT blocked_at, update_required_at, revoked_at FROM devices WHERE id = $1', [foreign.id]);
        expect(f).toEqual({ blocked_at: null, update_required_at: null, revoked_at: null });
      });

      test('block → sync refused 403 device_blocked (data kept on both sides); unblock → accepted again', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        await batchBody(await h.batch(dev, [makeItem()]));
        const blocked = await act(h, admin, dev.id, 'block', 'Device reported stolen');
        const view = (await okJson<{ device: AdminDeviceView }>(blocked, { type: 'object' })).device;
        expect(view).toMatchObject({
          blocked: true,
          blockedAt: new Date(T0).toISOString(),
          blockedReason: 'Device reported stolen',
          risk: { level: 'critical', allowedActions: ['read', 'capture', 'sync'] },
        });
        expect(view.risk.reasons).toContainEqual(msg('risk.blocked'));

        const before = await h.snapshot();
        const item = makeItem();
        const res = await h.batch(dev, [item]);
        expect(res.status).toBe(403);
        const err = await errorOf(res);
        expect(err).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'device_blocked' } });
        expect(err.message).toMatch(/stays on the device/);
        expect(await h.snapshot()).toEqual({ ...before, nonces: (before.nonces as number) + 1 });
        expect(await h.count('sync_items')).toBe(1); // nothing deleted

        // Other signed requests still work (e.g. reading contracts), so the app can show why.
        expect((await h.signed(dev, 'GET', '/v1/contracts')).status).toBe(200);
        expect((await act(h, admin, dev.id, 'unblock', 'Found in the van')).status).toBe(200);
        expect((await batchBody(await h.batch(dev, [item]))).results[0]!.status).toBe('accepted');
        const [d] = await h.db.query('SELECT blocked_at, blocked_reason FROM devices WHERE id = $1', [dev.id]);
        expect(d).toEqual({ blocked_at: null, blocked_reason: null });
      });

      test('require-update raises the risk to high until cleared; every action is audited with who and why', async (h) => {
        const admin = await h.enroll({ role: 'admin', user: 'boss' });
        const dev = await h.enroll();
        const req = await okJson<{ device: AdminDeviceView }>(await act(h, admin, dev.id, 'require-update', 'Security fix 1.4.2'), { type: 'object' });
        expect(req.device).toMatchObject({ updateRequired: true, risk: { level: 'high', allowedActions: ['read', 'capture', 'draft', 'sync'] } });
        expect(req.device.risk.reasons).toEqual([msg('risk.update_required')]);
        expect(viewOf(await list(h, admin, '?level=high'), dev.id)).toBeDefined();
        const cleared = await okJson<{ device: AdminDeviceView }>(await act(h, admin, dev.id, 'clear-update', 'Updated on site'), { type: 'object' });
        expect(cleared.device).toMatchObject({ updateRequired: false, risk: { level: 'low', reasons: [] } });
        await act(h, admin, dev.id, 'block', 'Suspicious use');
        await act(h, admin, dev.id, 'unblock', 'Cleared by security');
        await act(h, admin, dev.id, 'revoke', 'Decommissioned');

        // Missing, short or long reasons are refused and change nothing.
        const snap = await h.snapshot();
        for (const body of [
          '',
          '{}',
          JSON.stringify({ reason: 'no' }),
          JSON.stringify({ reason: 'x'.repeat(501) }),
          JSON.stringify({ reason: '   ' }),
          JSON.stringify({ reason: 'fine', extra: 1 }),
        ]) {
          expect((await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/block`, body)).status, body).toBe(400);
        }
        expect({ ...(await h.snapshot()), nonces: 0 }).toEqual({ ...snap, nonces: 0 });

        const rows = await h.db.query(
          "SELECT actor, action, subject, payload FROM server_audit WHERE subject = $1 AND action <> 'device.enrolled' ORDER BY seq",
          [dev.id],
        );
        expect(rows.map((r) => [r.actor, r.action, r.subject, parsePayload(r.payload)])).toEqual([
          [admin.id, 'device.update_required', dev.id, { by: admin.id, user: 'boss', reason: 'Security fix 1.4.2' }],
          [admin.id, 'device.update_cleared', dev.id, { by: admin.id, user: 'boss', reason: 'Updated on site' }],
          [admin.id, 'device.blocked', dev.id, { by: admin.id, user: 'boss', reason: 'Suspicious use' }],
          [admin.id, 'device.unblocked', dev.id, { by: admin.id, user: 'boss', reason: 'Cleared by security' }],
          [admin.id, 'device.revoked', dev.id, { by: admin.id, user: 'boss', reason: 'Decommissioned' }],
        ]);
      });

      test('a tenant risk policy changes levels for that tenant only; invalid policies are refused; the change is audited', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        const otherAdmin = await h.enroll({ role: 'admin', tenant: 'globex' });
        const other = await h.enroll({ tenant: 'globex' });
        await batchBody(await h.batch(dev, [], { deviceState: { pendingCount: 30, deadLetterCount: 0, contractVersions: {} }, appVersion: '1.0.0' }));
        await batchBody(await h.batch(other, [], { deviceState: { pendingCount: 30, deadLetterCount: 0, contractVersions: {} } }));
        expect(viewOf(await list(h, admin), dev.id)!.risk.level).toBe('low');
        expect(await okJson(await h.signed(admin, 'GET', '/v1/admin/risk-policy'), riskPolicyResponseSchema)).toEqual({
          policy: DEFAULT_RISK_POLICY,
          custom: false,
        });

        const policy = {
          offlineDays: { medium: 1, high: 2, critical: 3 },
          pending: { medium: 20, high: 25 },
          deadLetters: { medium: 0, high: 10 },
          latestAppVersion: '1.2.0',
        };
        const put = await h.signed(admin, 'PUT', '/v1/admin/risk-policy', JSON.stringify({ policy, reason: 'Stricter for the audit season' }));
        expect(await okJson(put, riskPolicyResponseSchema)).toEqual({ policy, custom: true });
        expect(await okJson(await h.signed(admin, 'GET', '/v1/admin/risk-policy'), riskPolicyResponseSchema)).toEqual({ policy, custom: true });
        const v = viewOf(await list(h, admin, '?level=high'), dev.id)!;
        expect(v.risk.reasons).toEqual([msg('risk.pending_over', { count: 30, limit: 25 }), msg('risk.app_behind', { version: '1.0.0', latest: '1.2.0' })]);
        // Level filters in SQL agree, also for the offline tiers the policy moved.
        h.advance(2 * DAY_MS + 1000);
        expect((await list(h, admin, '?level=high')).devices.map((d) => d.id).sort()).toEqual([admin.id, dev.id].sort());
        h.advance(DAY_MS);
        expect((await list(h, admin, '?level=critical')).devices.map((d) => d.id).sort()).toEqual([admin.id, dev.id].sort());
        // The other tenant keeps the defaults.
        expect(viewOf(await list(h, otherAdmin), other.id)!.risk.level).toBe('low');

        for (const bad of [
          { policy: { ...policy, offlineDays: { medium: 10, high: 5, critical: 30 } }, reason: 'out of order' },
          { policy: { ...policy, pending: { medium: -1, high: 5 } }, reason: 'negative' },
          { policy: { offlineDays: policy.offlineDays }, reason: 'incomplete' },
          { policy },
        ]) {
          expect((await h.signed(admin, 'PUT', '/v1/admin/risk-policy', JSON.stringify(bad))).status).toBe(400);
        }
        const audit = await h.db.query("SELECT actor, subject, payload FROM server_audit WHERE action = 'risk_policy.updated'");
        expect(audit.map((a) => [a.actor, a.subject, parsePayload(a.payload)])).toEqual([
          [admin.id, 'acme', { by: admin.id, user: 'ana', reason: 'Stricter for the audit season', policy }],
        ]);
      });

      test('a newer contract seeded at a server restart re-ranks the stored levels of the devices using it, without them syncing again', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const otherAdmin = await h.enroll({ role: 'admin', tenant: 'globex' });
        const site = { 'field.inspect.site': '1.2.0', 'lab.record.specimen': '2.0.1' };
        const onSite: Device[] = [];
        for (let i = 0; i < 5; i++) onSite.push(await h.enroll({ user: `user${i}` }));
        const foreign = await h.enroll({ tenant: 'globex' });
        const labOnly = await h.enroll({ user: 'lab' });
        for (const d of [...onSite, foreign])
          await batchBody(await h.batch(d, [], { deviceState: { pendingCount: 0, deadLetterCount: 0, contractVersions: site } }));
        await batchBody(
          await h.batch(labOnly, [], { deviceState: { pendingCount: 0, deadLetterCount: 0, contractVersions: { 'lab.record.specimen': '2.0.1' } } }),
        );
        const ids = (page: AdminDeviceListResponse) => page.devices.map((d) => d.id).sort();
        const levels = async (tenant = 'acme'): Promise<Record<string, [number, number]>> =>
          Object.fromEntries(
            (await h.db.query('SELECT id, version_level, risk_level FROM devices WHERE tenant = $1', [tenant])).map((r) => [
              String(r.id),
              [Number(r.version_level), Number(r.risk_level)],
            ]),
          );
        expect((await list(h, admin, '?level=low')).total).toBe(7); // the admins never synced but were enrolled just now
        const marker = await h.db.query("SELECT value FROM server_meta WHERE key = 'version_levels.contracts'");
        expect(marker).toEqual([{ value: JSON.stringify(h.contracts.map()) }]);

        // A newer minor: medium for the devices on 1.2.0, in both tenants; the others keep theirs.
        h.advance(60_000);
        await h.reseedContracts(['field.inspect.site@1.3.0']);
        const medium = await list(h, admin, '?level=medium');
        expect(ids(medium)).toEqual(onSite.map((d) => d.id).sort());
        expect(medium.devices[0]!.risk.reasons).toEqual([
          msg('risk.contract_minor_behind', { name: 'field.inspect.site', version: '1.2.0', latest: '1.3.0', n: 1 }),
        ]);
        expect(ids(await list(h, otherAdmin, '?level=medium'))).toEqual([foreign.id]);
        expect((await levels())[labOnly.id]).toEqual([0, 0]);

        // A newer major: critical, with the row's other rules intact (a blocked device stays blocked, 3 either way).
        const before = await levels();
        await h.reseedContracts(['field.inspect.site@2.0.0']);
        const critical = await list(h, admin, '?level=critical');
        expect(ids(critical)).toEqual(onSite.map((d) => d.id).sort());
        expect(critical.devices.every((d) => d.risk.level === 'critical')).toBe(true);
        const after = await levels();
        for (const d of onSite)
          expect([before[d.id], after[d.id]]).toEqual([
            [1, 1],
            [3, 3],
          ]);
        expect(after[labOnly.id]).toEqual([0, 0]);
        expect(ids(await list(h, otherAdmin, '?level=critical'))).toEqual([foreign.id]);
        expect(await h.db.query("SELECT value FROM server_meta WHERE key = 'version_levels.contracts'")).toEqual([
          { value: JSON.stringify(h.contracts.map()) },
        ]);

        // The same registry again: nothing to do. The storage pass itself works in batches (keyset on id).
        const snap = await h.snapshot();
        await h.reseedContracts([]);
        expect(await h.snapshot()).toEqual(snap);
        const pass = await h.db.storage.recomputeVersionLevels({
          scope: { contracts: ['field.inspect.site'] },
          levelOf: () => 0,
          now: h.now().toISOString(),
          batchSize: 2,
        });
        expect(pass).toEqual({ examined: 6, changed: 6 });
        expect(Object.values(await levels()).map((l) => l[0])).toEqual([0, 0, 0, 0, 0, 0, 0]);
      });

      test("a tenant's latestAppVersion re-ranks its devices' version levels at once", async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        const other = await h.enroll({ tenant: 'globex' });
        for (const d of [dev, other])
          await batchBody(await h.batch(d, [], { appVersion: '1.0.0', deviceState: { pendingCount: 0, deadLetterCount: 0, contractVersions: {} } }));
        const put = (policy: Record<string, unknown>) =>
          h.signed(admin, 'PUT', '/v1/admin/risk-policy', JSON.stringify({ policy, reason: 'App 1.2.0 is out' }));
        expect((await put({ ...DEFAULT_RISK_POLICY, latestAppVersion: '1.2.0' })).status).toBe(200);
        // The admin's own device too: it enrolled with app 1.0.0 and never synced.
        const medium = await list(h, admin, '?level=medium');
        expect(medium.devices.map((d) => d.id).sort()).toEqual([admin.id, dev.id].sort());
        const behind = msg('risk.app_behind', { version: '1.0.0', latest: '1.2.0' });
        expect(medium.devices.map((d) => d.risk.reasons)).toEqual([[behind], [behind]]);
        expect(await h.db.query('SELECT id, version_level, risk_level FROM devices WHERE id IN ($1, $2) ORDER BY tenant', [dev.id, other.id])).toEqual([
          { id: dev.id, version_level: 1, risk_level: 1 },
          { id: other.id, version_level: 0, risk_level: 0 },
        ]);
        expect((await put({ ...DEFAULT_RISK_POLICY })).status).toBe(200);
        expect((await list(h, admin, '?level=medium')).total).toBe(0);
      });

      test('risk summary: counts per level and a days-since-sync histogram of the tenant, revoked counted apart', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const devs: Device[] = [];
        for (let i = 0; i < 6; i++) devs.push(await h.enroll());
        await h.enroll({ tenant: 'globex' });
        // Sync at T0 + offset so that at T0 + 40 days the days since sync are 40, 20, 10, 3, 0.5, and one never synced (40).
        const syncAt = [0, 20, 30, 37, 39.5];
        for (const [i, at] of syncAt.entries()) {
          h.advance(at * DAY_MS - (h.now().getTime() - T0));
          await batchBody(await h.batch(devs[i]!, [], { deviceState: { pendingCount: i === 4 ? 200 : 0, deadLetterCount: 0, contractVersions: {} } }));
        }
        h.advance(40 * DAY_MS - (h.now().getTime() - T0));
        await act(h, admin, devs[5]!.id, 'revoke', 'Never used');
        const sum = await okJson<RiskSummaryResponse>(await h.signed(admin, 'GET', '/v1/admin/risk-summary'), riskSummaryResponseSchema);
        expect(sum).toEqual({
          // critical: devs[0] (40 d), admin (never synced, 40 d); high: devs[1] (20 d), devs[4] (pending 200); medium: devs[2] (10 d); low: devs[3] (3 d)
          levels: { low: 1, medium: 1, high: 2, critical: 2 },
          daysSinceSync: { '0-1': 1, '1-7': 1, '7-14': 1, '14-30': 1, '30+': 2 },
          revoked: 1,
          generatedAt: h.now().toISOString(),
        });
      });
    });

    describe('health', () => {
      test('/healthz says only that the server is alive; admins get backend, queue depth, devices and flagged/revoked counts', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll();
        await batchBody(await h.batch(dev, [makeItem(), makeItem(), makeItem()]));
        await h.signed(admin, 'POST', `/v1/admin/devices/${dev.id}/revoke`, REASON);
        const open = await h.app.request('/healthz');
        expect(open.status).toBe(200);
        const liveness: unknown = await open.json();
        expectSchema(healthResponseSchema, liveness);
        expect(Object.keys(liveness as object).sort()).toEqual(['serverKeyId', 'status', 'uptimeSeconds', 'version']);
        // A field device is not an admin: the figures are refused.
        expect((await h.signed(await h.enroll(), 'GET', '/v1/admin/health')).status).toBe(403);
        const res = await h.signed(admin, 'GET', '/v1/admin/health');
        expect(res.status).toBe(200);
        const body: unknown = await res.json();
        expectSchema(adminHealthResponseSchema, body);
        expect(body).toMatchObject({
          status: 'ok',
          db: { status: 'ok', backend: backend.label === 'SQLite' ? 'sqlite' : 'postgres' },
          sync: { itemsStored: 3, lastServerSeq: 3, devices: 3, flaggedDevices: 0, revokedDevices: 1 },
          serverKeyId: h.serverKey.keyId,
        });
      });
    });

    describe('CLI', () => {
      test('enroll-token prints a token (and expiry) that enrolls a device; revoke-device revokes it', async (h) => {
        const run = (args: string[]) => runMain(args, h.db.cliEnv());
        const out = await run(['enroll-token', '--tenant', 'acme', '--user', 'dora', '--role', 'admin', '--ttl-hours', '3']);
        expect(out.code, out.stderr).toBe(0);
        const token = /^token: (mst_[A-Za-z0-9_-]+)$/m.exec(out.stdout)?.[1];
        const expiresAt = /^expiresAt: (\S+)$/m.exec(out.stdout)?.[1];
        expect(token).toBeDefined();
        expect(Date.parse(expiresAt!) - Date.now()).toBeGreaterThan(2.9 * 3_600_000);
        const enroll = await h.app.request('/v1/enroll', {
          method: 'POST',
          body: JSON.stringify({ token, publicKey: newDeviceKeys().publicKey, deviceName: 'd', appVersion: '1' }),
        });
        expect(enroll.status).toBe(200);
        const { deviceId } = (await enroll.json()) as { deviceId: string };
        const [a] = await h.db.query("SELECT actor FROM server_audit WHERE action = 'enrollment_token.created'");
        expect(a!.actor).toBe('cli');

        const rev = await run(['revoke-device', '--device', deviceId]);
        expect(rev.code, rev.stderr).toBe(0);
        expect(rev.stdout).toMatch(/^revokedAt: \S+$/m);
        const [d] = await h.db.query('SELECT revoked_at FROM devices WHERE id = $1', [deviceId]);
        expect(d!.revoked_at).not.toBeNull();
        expect((await run(['revoke-device', '--device', 'dev_missing'])).code).toBe(1);
        const bad = await run(['enroll-token', '--tenant', 'acme', '--role', 'boss']);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('--user is required');
      });
    });
  });
}

function runMain(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}
