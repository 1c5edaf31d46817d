// Team sync (issue 9) on the server, written once and run per storage backend like sync-suite.ts
// (team.sqlite.test.ts always, team.postgres.test.ts with MAESTRO_TEST_DATABASE_URL). Devices are
// played with node:crypto directly: Ed25519 signatures, X25519 + HKDF + AES-256-GCM key wrapping as
// src/shared/team/protocol.ts describes it.
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, type TestContext } from 'vitest';
import { receiptSigningBytes, type ItemResult, type SyncBatchResponse, type SyncItemWire } from '../../shared/sync/protocol';
import { enrollResponseSchema, syncBatchResponseSchema } from '../../shared/sync/schemas';
import {
  CERT_LIFETIME_DAYS,
  TEAM_CONTRACTS,
  certificateSigningBytes,
  wrapInfo,
  wrappedKeySigningBytes,
  type ApprovalConflictDetails,
  type CertificateResponse,
  type ChangesResponse,
  type DeviceEventWire,
  type FeedItemWire,
  type MyWrappedKeys,
  type SignedCertificate,
  type SignedWrappedKey,
  type TeamItemKind,
  type TeamKeysPostResponse,
  type TeamKeysStatus,
  type WrappedKeyBody,
} from '../../shared/team/protocol';
import {
  certificateResponseSchema,
  changesResponseSchema,
  myWrappedKeysSchema,
  teamKeysPostResponseSchema,
  teamKeysStatusSchema,
} from '../../shared/team/schemas';
import { errorResponseSchema } from '../../shared/server-api';
import { DAY_MS } from '../../shared/risk';
import { compileSchema, describeErrors } from '../../shared/validation';
import { publicKeyFromRaw, signBase64, verifyBase64 } from '../../platform/ed25519';
import { createEnrollmentToken } from '../enrollment-tokens';
import { CHANGES_MAX_BYTES } from '../routes/sync';
import type { TestBackend } from './backends';
import { makeItem, newDeviceKeys } from './device-client';
import { createHarness, newEncryptionKeys, T0, type Device, type Harness, type HarnessOptions } from './harness';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

function expectSchema(schema: Record<string, unknown>, value: unknown): void {
  const validate = compileSchema(schema);
  expect(validate(value), JSON.stringify(describeErrors(validate.errors))).toBe(true);
}

async function okJson<T>(res: Response, schema: Record<string, unknown>): Promise<T> {
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectSchema(schema, body);
  return body as T;
}

async function errorOf(res: Response): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const body: unknown = await res.json();
  expectSchema(errorResponseSchema, body);
  return (body as { error: { code: string; message: string; details?: Record<string, unknown> } }).error;
}

async function batchBody(res: Response): Promise<SyncBatchResponse> {
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectSchema(syncBatchResponseSchema, body);
  return body as SyncBatchResponse;
}

const rawX25519 = (k: KeyObject): Buffer => Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');
const x25519Public = (b64: string): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(b64, 'base64').toString('base64url') }, format: 'jwk' });

/** Wraps `tenantKey` for the device of `recipient` (its current certificate), signed by `admin`. */
function wrapFor(
  admin: Device,
  adminCert: SignedCertificate,
  recipient: SignedCertificate,
  version: number,
  tenantKey: Buffer,
  at = new Date(T0).toISOString(),
): SignedWrappedKey {
  const eph = generateKeyPairSync('x25519');
  const recipientKey = recipient.cert.encryptionKey!;
  const ephemeralKey = rawX25519(eph.publicKey).toString('base64');
  const info = wrapInfo({ tenant: recipient.cert.tenant, keyVersion: version, recipient: recipient.cert.device, recipientKey, ephemeralKey });
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: x25519Public(recipientKey) });
  const key = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([Buffer.from(ephemeralKey, 'base64'), Buffer.from(recipientKey, 'base64')]), info, 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(info, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(tenantKey), cipher.final()]);
  const body: WrappedKeyBody = {
    type: 'maestro.wrapped-key.v1',
    tenant: recipient.cert.tenant,
    keyVersion: version,
    recipient: recipient.cert.device,
    recipientCertVersion: recipient.cert.certVersion,
    recipientKey,
    ephemeralKey,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    wrappedBy: admin.id,
    wrappedAt: at,
  };
  return { body, signature: signBase64(admin.privateKey, wrappedKeySigningBytes(body)), wrapperCert: adminCert };
}

/** What the recipient does with a wrapped key it pulled. */
function unwrap(dev: Device, w: SignedWrappedKey): Buffer {
  const b = w.body;
  const info = wrapInfo(b);
  const shared = diffieHellman({ privateKey: dev.encryption!.privateKey, publicKey: x25519Public(b.ephemeralKey) });
  const key = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([Buffer.from(b.ephemeralKey, 'base64'), Buffer.from(b.recipientKey, 'base64')]), info, 32));
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(b.iv, 'base64'));
  d.setAAD(Buffer.from(info, 'utf8'));
  d.setAuthTag(Buffer.from(b.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(b.ciphertext, 'base64')), d.final()]);
}

/** A shared item of a team kind (contract TEAM_CONTRACTS[kind], sealed under a tenant key). */
function teamItem(kind: TeamItemKind, over: Partial<SyncItemWire> & { bytes?: Buffer } = {}): SyncItemWire {
  return makeItem({ kind, contract: TEAM_CONTRACTS[kind], keyScope: 'tenant', ...over });
}
const approval = (to: Device, card: string, over: Partial<SyncItemWire> = {}): SyncItemWire => teamItem('approval', { subject: card, to: to.id, ...over });

export function defineTeamSyncSuite(backend: TestBackend): void {
  function test(name: string, fn: (h: Harness) => Promise<void>, opts: HarnessOptions & { timeout?: number } = {}): void {
    it(
      name,
      async (ctx: TestContext) => {
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
      },
      opts.timeout,
    );
  }

  const serverVerifies = (h: Harness, c: SignedCertificate): boolean =>
    verifyBase64(publicKeyFromRaw(Buffer.from(h.serverKey.publicKey, 'base64')), certificateSigningBytes(c.cert), c.signature);

  const pullRaw = (h: Harness, dev: Device, query: string) => h.signed(dev, 'GET', `/v1/sync/changes${query}`);
  const pull = async (h: Harness, dev: Device, since = 0, limit?: number, wait?: number): Promise<ChangesResponse> => {
    const q = [`since=${since}`, ...(limit !== undefined ? [`limit=${limit}`] : []), ...(wait !== undefined ? [`wait=${wait}`] : [])].join('&');
    const page = await okJson<ChangesResponse>(await pullRaw(h, dev, `?${q}`), changesResponseSchema);
    expect(page.since).toBe(since);
    expect(page.until).toBeGreaterThanOrEqual(since);
    for (const it of page.items) expect(it.seq).toBeLessThanOrEqual(page.until);
    return page;
  };
  /** Everything visible to `dev` from `since`, page by page. */
  const pullAll = async (h: Harness, dev: Device, since = 0, limit = 1000): Promise<{ items: FeedItemWire[]; until: number }> => {
    const items: FeedItemWire[] = [];
    let cursor = since;
    for (;;) {
      const page = await pull(h, dev, cursor, limit);
      items.push(...page.items);
      cursor = page.until;
      if (!page.hasMore) return { items, until: cursor };
    }
  };
  const certsIn = (items: FeedItemWire[]) => items.filter((i) => i.kind === 'cert').map((i) => i.cert!);
  const eventsIn = (items: FeedItemWire[]) => items.filter((i) => i.kind === 'event').map((i) => i.event!);
  const itemKeysIn = (items: FeedItemWire[]) => items.filter((i) => i.kind === 'item').map((i) => i.item!.wire.idempotencyKey);

  const setRoles = (h: Harness, admin: Device, id: string, roles: string[], reason = 'Promoted to site lead') =>
    h.signed(admin, 'POST', `/v1/admin/devices/${id}/roles`, JSON.stringify({ roles, reason, confirm: true }));
  const currentCert = async (h: Harness, dev: Device): Promise<SignedCertificate> =>
    (await okJson<CertificateResponse>(await h.signed(dev, 'GET', '/v1/team/certificate'), certificateResponseSchema)).certificate;
  const postKeys = (h: Harness, dev: Device, body: { create?: { version: number }; wrapped: SignedWrappedKey[] }) =>
    h.signed(dev, 'POST', '/v1/team/keys', JSON.stringify(body));
  const keysStatus = async (h: Harness, dev: Device): Promise<TeamKeysStatus> =>
    okJson<TeamKeysStatus>(await h.signed(dev, 'GET', '/v1/team/keys'), teamKeysStatusSchema);
  /** Row counts and device rows: equal means nothing was written (nonces aside: every signed request spends one). */
  const state = async (h: Harness): Promise<Record<string, unknown>> => ({ ...(await h.snapshot()), nonces: 0 });

  describe(`team sync on ${backend.label}`, () => {
    describe('certificates', () => {
      test('enrollment returns certificate version 1, signed by the server key, with the encryption key; an invalid key is refused', async (h) => {
        const { token } = await createEnrollmentToken(h.db.storage, h.now(), { tenant: 'acme', user: 'ana', role: 'reviewer' }, 'test');
        const keys = newDeviceKeys();
        const enc = newEncryptionKeys();
        const enroll = (encryptionKey: string) =>
          h.app.request('/v1/enroll', {
            method: 'POST',
            body: JSON.stringify({ token, publicKey: keys.publicKey, deviceName: 'Tablet', appVersion: '1.0.0', encryptionKey }),
          });

        // Canonical base64 only: 'B=' leaves stray bits, so these are not the 32 bytes they claim to be.
        const before = await h.snapshot();
        const bad = await enroll(`${'A'.repeat(42)}B=`);
        expect(bad.status).toBe(400);
        expect(await errorOf(bad)).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'encryption_key' } });
        expect(await h.snapshot()).toEqual(before);

        const body = await okJson<{ deviceId: string; certificate: SignedCertificate }>(await enroll(enc.publicKey), enrollResponseSchema);
        const c = body.certificate;
        expect(c.cert).toEqual({
          type: 'maestro.device-cert.v1',
          tenant: 'acme',
          device: body.deviceId,
          user: 'ana',
          roles: ['reviewer'],
          signingKey: keys.publicKey,
          encryptionKey: enc.publicKey,
          status: 'active',
          issuedAt: new Date(T0).toISOString(),
          expiresAt: new Date(T0 + CERT_LIFETIME_DAYS * DAY_MS).toISOString(),
          certVersion: 1,
          serverKeyId: h.serverKey.keyId,
        });
        expect(serverVerifies(h, c)).toBe(true);
        expect(serverVerifies(h, { ...c, cert: { ...c.cert, roles: ['admin'] } })).toBe(false);
        const [row] = await h.db.query('SELECT version, tenant, cert_json, signature FROM device_certs WHERE device = $1', [body.deviceId]);
        expect(row).toMatchObject({ version: 1, tenant: 'acme', signature: c.signature });
        expect(JSON.parse(String(row!.cert_json))).toEqual(c.cert);
        const [d] = await h.db.query('SELECT encryption_key, cert_version FROM devices WHERE id = $1', [body.deviceId]);
        expect(d).toEqual({ encryption_key: enc.publicKey, cert_version: 1 });
        // Its cert for every device of the tenant, the 'enrolled' event for admins only.
        const feed = await h.db.query('SELECT kind, min_role, to_device, from_device FROM team_feed ORDER BY seq');
        expect(feed).toEqual([
          { kind: 'cert', min_role: 0, to_device: null, from_device: null },
          { kind: 'event', min_role: 2, to_device: null, from_device: null },
        ]);
      });

      test('revocation and role changes issue new versions, delivered on the pull (events to admins only)', async (h) => {
        const admin = await h.enroll({ role: 'admin', user: 'boss' });
        const field = await h.enroll({ user: 'ana' });
        const reviewer = await h.enroll({ role: 'reviewer', user: 'rui' });
        const foreign = await h.enroll({ role: 'admin', tenant: 'globex' });
        h.advance(1000);

        const promoted = await okJson<CertificateResponse>(await setRoles(h, admin, field.id, ['reviewer', 'field']), certificateResponseSchema);
        expect(promoted.certificate.cert).toMatchObject({
          device: field.id,
          roles: ['field', 'reviewer'],
          certVersion: 2,
          status: 'active',
          encryptionKey: field.encryption!.publicKey,
        });
        expect(serverVerifies(h, promoted.certificate)).toBe(true);
        const [audit] = await h.db.query("SELECT actor, subject, payload FROM server_audit WHERE action = 'device.roles_changed'");
        expect({ ...audit, payload: typeof audit!.payload === 'string' ? JSON.parse(audit!.payload) : audit!.payload }).toEqual({
          actor: admin.id,
          subject: field.id,
          payload: { by: admin.id, user: 'boss', reason: 'Promoted to site lead', roles: ['field', 'reviewer'], previous: ['field'] },
        });
        const [dev] = await h.db.query('SELECT roles, cert_version FROM devices WHERE id = $1', [field.id]);
        expect(dev!.cert_version).toBe(2);

        // The same roles again: the current certificate, nothing written.
        const before = await state(h);
        const again = await okJson<CertificateResponse>(await setRoles(h, admin, field.id, ['field', 'reviewer']), certificateResponseSchema);
        expect(again.certificate).toEqual(promoted.certificate);
        expect(await state(h)).toEqual(before);
        // Another tenant's device reads as unknown; invalid bodies are 400.
        expect((await setRoles(h, admin, foreign.id, ['field'])).status).toBe(404);
        expect((await setRoles(h, foreign, field.id, ['field'])).status).toBe(404);
        expect((await setRoles(h, admin, field.id, ['root'])).status).toBe(400);
        expect((await h.signed(admin, 'POST', `/v1/admin/devices/${field.id}/roles`, JSON.stringify({ roles: ['admin'], reason: 'x' }))).status).toBe(400);
        expect(await state(h)).toEqual(before);

        h.advance(1000);
        expect((await h.signed(admin, 'POST', `/v1/admin/devices/${reviewer.id}/revoke`, JSON.stringify({ reason: 'Tablet stolen' }))).status).toBe(200);
        // A revoked device keeps its roles.
        const late = await setRoles(h, admin, reviewer.id, ['admin']);
        expect(late.status).toBe(409);
        expect(await errorOf(late)).toMatchObject({ code: 'CONFLICT', details: { reason: 'revoked' } });

        const seen = await pullAll(h, field);
        const certs = certsIn(seen.items);
        for (const c of certs) expect(serverVerifies(h, c), JSON.stringify(c.cert)).toBe(true);
        expect(certs.map((c) => [c.cert.device, c.cert.certVersion, c.cert.status, c.cert.roles.join()])).toEqual([
          [admin.id, 1, 'active', 'admin'],
          [field.id, 1, 'active', 'field'],
          [reviewer.id, 1, 'active', 'reviewer'],
          [field.id, 2, 'active', 'field,reviewer'],
          [reviewer.id, 2, 'revoked', 'reviewer'],
        ]);
        expect(certs[4]!.cert.issuedAt).toBe(new Date(T0 + 2000).toISOString());
        expect(eventsIn(seen.items)).toEqual([]); // field was promoted to reviewer: rank 1, still below admin

        const adminSeen = await pullAll(h, admin);
        expect(certsIn(adminSeen.items)).toEqual(certs);
        expect(eventsIn(adminSeen.items)).toEqual<DeviceEventWire[]>([
          { type: 'enrolled', device: admin.id, user: 'boss', at: new Date(T0).toISOString(), reason: null },
          { type: 'enrolled', device: field.id, user: 'ana', at: new Date(T0).toISOString(), reason: null },
          { type: 'enrolled', device: reviewer.id, user: 'rui', at: new Date(T0).toISOString(), reason: null },
          { type: 'roles', device: field.id, user: 'ana', at: new Date(T0 + 1000).toISOString(), reason: 'Promoted to site lead' },
          { type: 'revoked', device: reviewer.id, user: 'rui', at: new Date(T0 + 2000).toISOString(), reason: 'Tablet stolen' },
        ]);
        // The other tenant sees only its own.
        const other = await pullAll(h, foreign);
        expect(certsIn(other.items).map((c) => c.cert.device)).toEqual([foreign.id]);
      });

      test('block and unblock are device events for admins', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const field = await h.enroll({ user: 'ana' });
        for (const action of ['block', 'unblock']) {
          expect((await h.signed(admin, 'POST', `/v1/admin/devices/${field.id}/${action}`, JSON.stringify({ reason: 'Audit finding 7' }))).status).toBe(200);
        }
        const events = eventsIn((await pullAll(h, admin)).items).filter((e) => e.device === field.id);
        expect(events.map((e) => [e.type, e.reason])).toEqual([
          ['enrolled', null],
          ['blocked', 'Audit finding 7'],
          ['unblocked', 'Audit finding 7'],
        ]);
        expect(eventsIn((await pullAll(h, field)).items)).toEqual([]);
      });

      test('GET /v1/team/certificate: version 1 for a device enrolled before team sync, the current one, a renewal near expiry', async (h) => {
        const old = await h.enroll({ encryptionKey: false, role: 'reviewer' });
        // As a device enrolled before migration 6 left it: no certificate at all.
        await h.db.write('DELETE FROM team_feed');
        await h.db.write('DELETE FROM device_certs');
        await h.db.write('UPDATE devices SET cert_version = 0');
        const first = await currentCert(h, old);
        expect(first.cert).toMatchObject({ device: old.id, certVersion: 1, encryptionKey: null, roles: ['reviewer'], issuedAt: new Date(T0).toISOString() });
        expect(serverVerifies(h, first)).toBe(true);
        const before = await state(h);
        expect(await currentCert(h, old)).toEqual(first);
        expect(await state(h)).toEqual(before);

        // More than CERT_RENEW_DAYS left: the same certificate; fewer: a renewal with the same keys and roles.
        h.advance((CERT_LIFETIME_DAYS - 31) * DAY_MS);
        expect(await currentCert(h, old)).toEqual(first);
        h.advance(2 * DAY_MS);
        const renewed = await currentCert(h, old);
        expect(renewed.cert).toEqual({
          ...first.cert,
          certVersion: 2,
          issuedAt: h.now().toISOString(),
          expiresAt: new Date(h.now().getTime() + CERT_LIFETIME_DAYS * DAY_MS).toISOString(),
        });
        expect(serverVerifies(h, renewed)).toBe(true);
        expect(await currentCert(h, old)).toEqual(renewed);
        const issued = await h.db.query("SELECT payload FROM server_audit WHERE action = 'device.certificate.issued' ORDER BY seq");
        expect(issued.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { why: string }).map((p) => p.why)).toEqual([
          'first',
          'renewal',
        ]);
        expect(certsIn((await pullAll(h, old)).items).map((c) => c.cert.certVersion)).toEqual([1, 2]);
      });

      test('POST /v1/team/encryption-key registers the key of a device enrolled without one; the same key is idempotent, another is 409', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const old = await h.enroll({ encryptionKey: false });
        const enc = newEncryptionKeys();
        const post = (encryptionKey: string) => h.signed(old, 'POST', '/v1/team/encryption-key', JSON.stringify({ encryptionKey }));

        const before = await state(h);
        const bad = await post(`${'A'.repeat(42)}B=`);
        expect(bad.status).toBe(400);
        expect((await post('short')).status).toBe(400);
        expect(await state(h)).toEqual(before);

        const c = (await okJson<CertificateResponse>(await post(enc.publicKey), certificateResponseSchema)).certificate;
        expect(c.cert).toMatchObject({ device: old.id, certVersion: 2, encryptionKey: enc.publicKey });
        expect(serverVerifies(h, c)).toBe(true);
        const same = await state(h);
        expect((await okJson<CertificateResponse>(await post(enc.publicKey), certificateResponseSchema)).certificate).toEqual(c);
        expect(await state(h)).toEqual(same);
        const other = await post(newEncryptionKeys().publicKey);
        expect(other.status).toBe(409);
        expect(await errorOf(other)).toMatchObject({ code: 'CONFLICT', details: { reason: 'encryption_key_set' } });
        expect(await state(h)).toEqual(same);

        expect(
          eventsIn((await pullAll(h, admin)).items)
            .filter((e) => e.device === old.id)
            .map((e) => e.type),
        ).toEqual(['enrolled', 'encryption-key']);
      });
    });

    describe('tenant keys', () => {
      test('the first admin creates version 1 and wraps it; a second create of 1 is 409; status lists versions, mine and the devices missing them', async (h) => {
        const a1 = await h.enroll({ role: 'admin', user: 'boss' });
        const a2 = await h.enroll({ role: 'admin', user: 'deputy' });
        const field = await h.enroll({ user: 'ana' });
        const nokey = await h.enroll({ user: 'old', encryptionKey: false });
        const reviewer = await h.enroll({ role: 'reviewer', user: 'rui' });
        const k1 = randomBytes(32);
        const a1Cert = a1.enroll.certificate;

        expect(await keysStatus(h, a1)).toEqual({ tenant: 'acme', versions: [], mine: [], missing: [] });
        const res = await postKeys(h, a1, {
          create: { version: 1 },
          wrapped: [wrapFor(a1, a1Cert, a1Cert, 1, k1), wrapFor(a1, a1Cert, field.enroll.certificate, 1, k1)],
        });
        expect(await okJson<TeamKeysPostResponse>(res, teamKeysPostResponseSchema)).toEqual({ created: true, stored: 2 });

        // Another admin racing for version 1 loses and stores nothing.
        const before = await state(h);
        const lost = await postKeys(h, a2, {
          create: { version: 1 },
          wrapped: [wrapFor(a2, a2.enroll.certificate, reviewer.enroll.certificate, 1, randomBytes(32))],
        });
        expect(lost.status).toBe(409);
        expect(await errorOf(lost)).toMatchObject({ code: 'CONFLICT', details: { reason: 'key_version', latest: 1 } });
        expect(await state(h)).toEqual(before);
        // A resend of stored copies is not counted (and stores nothing new).
        expect(
          await okJson<TeamKeysPostResponse>(
            await postKeys(h, a1, { wrapped: [wrapFor(a1, a1Cert, field.enroll.certificate, 1, k1)] }),
            teamKeysPostResponseSchema,
          ),
        ).toEqual({ created: false, stored: 0 });
        expect(await h.count('wrapped_keys')).toBe(2);

        const status = await keysStatus(h, a1);
        expect(status.versions).toEqual([{ version: 1, createdBy: a1.id, createdAt: new Date(T0).toISOString() }]);
        expect(status.mine).toEqual([1]);
        const byId = (x: unknown[], y: unknown[]) => (String(x[0]) < String(y[0]) ? -1 : 1);
        expect(status.missing.map((m) => [m.device, m.versions, m.certificate.cert.certVersion]).sort(byId)).toEqual(
          [
            [a2.id, [1], 1],
            [reviewer.id, [1], 1],
          ].sort(byId),
        );
        for (const m of status.missing) expect(serverVerifies(h, m.certificate)).toBe(true);
        expect(status.missing.map((m) => m.device)).not.toContain(nokey.id);
        // Not an admin: no missing list.
        expect(await keysStatus(h, field)).toEqual({ tenant: 'acme', versions: status.versions, mine: [1], missing: [] });
        expect(await keysStatus(h, reviewer)).toMatchObject({ mine: [], missing: [] });

        // Each recipient pulls its own copy (the admin too) and unwraps the same key; nobody else sees it.
        for (const dev of [field, a1]) {
          const keys = (await pullAll(h, dev)).items.filter((i) => i.kind === 'key').map((i) => i.key!);
          expect(keys.map((k) => k.body.recipient)).toEqual([dev.id]);
          expect(unwrap(dev, keys[0]!)).toEqual(k1);
        }
        for (const dev of [a2, reviewer]) expect((await pullAll(h, dev)).items.filter((i) => i.kind === 'key')).toEqual([]);
        // GET /v1/team/keys/mine: the same copies, fetched directly (a late device needs them before its pull).
        const mine = await okJson<MyWrappedKeys>(await h.signed(field, 'GET', '/v1/team/keys/mine'), myWrappedKeysSchema);
        expect(mine.wrapped.map((w) => [w.body.recipient, w.body.keyVersion])).toEqual([[field.id, 1]]);
        expect(unwrap(field, mine.wrapped[0]!)).toEqual(k1);
        expect((await okJson<MyWrappedKeys>(await h.signed(reviewer, 'GET', '/v1/team/keys/mine'), myWrappedKeysSchema)).wrapped).toEqual([]);

        // The second admin wraps version 1 for the rest from the missing list, then creates version 2.
        const a2Status = await keysStatus(h, a2);
        const fill = await postKeys(h, a2, { wrapped: a2Status.missing.map((m) => wrapFor(a2, a2.enroll.certificate, m.certificate, 1, k1)) });
        expect(await okJson<TeamKeysPostResponse>(fill, teamKeysPostResponseSchema)).toEqual({ created: false, stored: 2 });
        expect((await keysStatus(h, a2)).missing).toEqual([]);
        const v2 = await postKeys(h, a2, { create: { version: 2 }, wrapped: [wrapFor(a2, a2.enroll.certificate, a2.enroll.certificate, 2, randomBytes(32))] });
        expect(await okJson<TeamKeysPostResponse>(v2, teamKeysPostResponseSchema)).toEqual({ created: true, stored: 1 });
        expect((await keysStatus(h, a1)).missing.map((m) => m.versions)).toEqual([[2], [2], [2]]);
        const audits = await h.db.query("SELECT actor FROM server_audit WHERE action = 'tenant_keys.stored' ORDER BY seq");
        expect(audits.map((a) => a.actor)).toEqual([a1.id, a2.id, a2.id]);
        // A post of many wrapped keys is over the default 1 MiB body limit, not over this route's.
        const many = JSON.stringify({ wrapped: Array.from({ length: 1000 }, () => wrapFor(a1, a1Cert, field.enroll.certificate, 1, k1)) });
        expect(many.length).toBeGreaterThan(1024 * 1024);
        expect(await okJson<TeamKeysPostResponse>(await h.signed(a1, 'POST', '/v1/team/keys', many), teamKeysPostResponseSchema)).toEqual({
          created: false,
          stored: 0,
        });
      });

      test('refusals store nothing: non-admin, wrong recipient key, revoked recipient, bad signature, stale wrapper certificate, unknown version, foreign recipient', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const field = await h.enroll({ user: 'ana' });
        const gone = await h.enroll({ user: 'gone' });
        const reviewer = await h.enroll({ role: 'reviewer' });
        const foreign = await h.enroll({ tenant: 'globex' });
        const cert = admin.enroll.certificate;
        const k1 = randomBytes(32);
        expect((await postKeys(h, admin, { create: { version: 1 }, wrapped: [wrapFor(admin, cert, cert, 1, k1)] })).status).toBe(200);
        expect((await h.signed(admin, 'POST', `/v1/admin/devices/${gone.id}/revoke`, JSON.stringify({ reason: 'Left the team' }))).status).toBe(200);
        const good = wrapFor(admin, cert, field.enroll.certificate, 1, k1);

        const cases: {
          name: string;
          who: Device;
          body: { create?: { version: number }; wrapped: SignedWrappedKey[] };
          status: number;
          code: string;
          reason: string;
        }[] = [
          {
            name: 'reviewer',
            who: reviewer,
            body: { wrapped: [wrapFor(reviewer, reviewer.enroll.certificate, field.enroll.certificate, 1, k1)] },
            status: 403,
            code: 'FORBIDDEN',
            reason: 'role',
          },
          {
            name: 'wrong recipient key',
            who: admin,
            body: {
              wrapped: [
                good,
                wrapFor(
                  admin,
                  cert,
                  { ...reviewer.enroll.certificate, cert: { ...reviewer.enroll.certificate.cert, encryptionKey: newEncryptionKeys().publicKey } },
                  1,
                  k1,
                ),
              ],
            },
            status: 400,
            code: 'VALIDATION_ERROR',
            reason: 'recipient_key',
          },
          {
            name: 'revoked recipient',
            who: admin,
            body: { wrapped: [good, wrapFor(admin, cert, gone.enroll.certificate, 1, k1)] },
            status: 403,
            code: 'FORBIDDEN',
            reason: 'recipient_revoked',
          },
          {
            name: 'bad signature',
            who: admin,
            body: { wrapped: [good, { ...good, signature: signBase64(admin.privateKey, 'something else') }] },
            status: 400,
            code: 'VALIDATION_ERROR',
            reason: 'signature',
          },
          {
            name: 'signed by another device',
            who: admin,
            body: { wrapped: [{ ...good, signature: signBase64(field.privateKey, wrappedKeySigningBytes(good.body)) }] },
            status: 400,
            code: 'VALIDATION_ERROR',
            reason: 'signature',
          },
          {
            name: 'forged wrapper certificate',
            who: admin,
            body: { wrapped: [{ ...good, wrapperCert: { ...cert, cert: { ...cert.cert, expiresAt: new Date(T0 + 9e11).toISOString() } } }] },
            status: 403,
            code: 'FORBIDDEN',
            reason: 'wrapper_cert',
          },
          {
            name: 'unknown version',
            who: admin,
            body: { wrapped: [wrapFor(admin, cert, field.enroll.certificate, 2, k1)] },
            status: 400,
            code: 'VALIDATION_ERROR',
            reason: 'key_version',
          },
          {
            name: 'create skipping a version',
            who: admin,
            body: { create: { version: 3 }, wrapped: [] },
            status: 409,
            code: 'CONFLICT',
            reason: 'key_version',
          },
          {
            name: 'stale recipient certificate',
            who: admin,
            body: { wrapped: [wrapFor(admin, cert, { ...field.enroll.certificate, cert: { ...field.enroll.certificate.cert, certVersion: 7 } }, 1, k1)] },
            status: 400,
            code: 'VALIDATION_ERROR',
            reason: 'recipient_cert',
          },
          {
            name: 'foreign recipient',
            who: admin,
            body: { wrapped: [{ ...wrapFor(admin, cert, foreign.enroll.certificate, 1, k1) }] },
            status: 403,
            code: 'FORBIDDEN',
            reason: 'tenant',
          },
          {
            name: 'foreign recipient under our tenant',
            who: admin,
            body: { wrapped: [wrapFor(admin, cert, { ...foreign.enroll.certificate, cert: { ...foreign.enroll.certificate.cert, tenant: 'acme' } }, 1, k1)] },
            status: 400,
            code: 'VALIDATION_ERROR',
            reason: 'recipient',
          },
          {
            name: 'wrappedBy another admin',
            who: admin,
            body: { wrapped: [{ ...good, body: { ...good.body, wrappedBy: field.id } }] },
            status: 403,
            code: 'FORBIDDEN',
            reason: 'wrapped_by',
          },
        ];
        const before = await state(h);
        for (const c of cases) {
          const res = await postKeys(h, c.who, c.body);
          expect(res.status, c.name).toBe(c.status);
          expect(await errorOf(res), c.name).toMatchObject({ code: c.code, details: { reason: c.reason } });
        }
        expect((await postKeys(h, admin, { wrapped: [{ ...good, extra: 1 } as unknown as SignedWrappedKey] })).status).toBe(400);
        expect(await state(h)).toEqual(before);

        // After a role change the admin's old certificate no longer wraps.
        expect((await setRoles(h, admin, admin.id, ['reviewer', 'admin'])).status).toBe(200);
        const stale = await postKeys(h, admin, { wrapped: [good] });
        expect(stale.status).toBe(403);
        expect(await errorOf(stale)).toMatchObject({ details: { reason: 'wrapper_cert' } });
        const fresh = await currentCert(h, admin);
        expect(
          await okJson<TeamKeysPostResponse>(
            await postKeys(h, admin, { wrapped: [wrapFor(admin, fresh, field.enroll.certificate, 1, k1)] }),
            teamKeysPostResponseSchema,
          ),
        ).toEqual({
          created: false,
          stored: 1,
        });
      });
    });

    describe('shared items and the pull', () => {
      test('entitlement: field sees certificates, approvals to it and its keys; a reviewer sees the items of others, not its own; admins see events', async (h) => {
        const admin = await h.enroll({ role: 'admin', user: 'boss' });
        const reviewer = await h.enroll({ role: 'reviewer', user: 'rui' });
        const f1 = await h.enroll({ user: 'ana' });
        const f2 = await h.enroll({ user: 'bo' });
        const foreign = await h.enroll({ role: 'admin', tenant: 'globex' });
        const k1 = randomBytes(32);
        const cert = admin.enroll.certificate;
        await postKeys(h, admin, {
          create: { version: 1 },
          wrapped: [wrapFor(admin, cert, f1.enroll.certificate, 1, k1), wrapFor(admin, cert, f2.enroll.certificate, 1, k1)],
        });

        const run = teamItem('run');
        const card = teamItem('card');
        const shared = makeItem({ keyScope: 'tenant' });
        const own = makeItem(); // sealed under f1's own key: stored, never pulled
        const r1 = await batchBody(await h.batch(f1, [run, card, shared, own]));
        expect(r1.results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
        const toF1 = approval(f1, 'card-1');
        const toF2 = approval(f2, 'card-2');
        expect((await batchBody(await h.batch(reviewer, [toF1, toF2]))).results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
        const foreignItem = teamItem('run');
        await batchBody(await h.batch(foreign, [foreignItem]));

        const f1Seen = (await pullAll(h, f1)).items;
        expect(itemKeysIn(f1Seen)).toEqual([toF1.idempotencyKey]);
        expect(f1Seen.filter((i) => i.kind === 'key').map((i) => i.key!.body.recipient)).toEqual([f1.id]);
        expect(eventsIn(f1Seen)).toEqual([]);
        expect(certsIn(f1Seen).map((c) => c.cert.device)).toEqual([admin.id, reviewer.id, f1.id, f2.id]);
        const f2Seen = (await pullAll(h, f2)).items;
        expect(itemKeysIn(f2Seen)).toEqual([toF2.idempotencyKey]);

        const rSeen = (await pullAll(h, reviewer)).items;
        expect(itemKeysIn(rSeen)).toEqual([run.idempotencyKey, card.idempotencyKey, shared.idempotencyKey]);
        expect(rSeen.filter((i) => i.kind === 'key' || i.kind === 'event')).toEqual([]);

        const aSeen = (await pullAll(h, admin)).items;
        expect(itemKeysIn(aSeen)).toEqual([run.idempotencyKey, card.idempotencyKey, shared.idempotencyKey, toF1.idempotencyKey, toF2.idempotencyKey]);
        expect(eventsIn(aSeen).map((e) => e.type)).toEqual(['enrolled', 'enrolled', 'enrolled', 'enrolled']);
        expect(itemKeysIn((await pullAll(h, foreign)).items)).toEqual([]);

        // An item row carries the wire as sent, who sent it and the receipt it got, which verifies.
        const row = aSeen.find((i) => i.item?.wire.idempotencyKey === toF1.idempotencyKey)!.item!;
        expect(row.from).toBe(reviewer.id);
        expect(row.fromUser).toBe('rui');
        expect(row.wire).toEqual(toF1);
        expect(row.receipt.receipt).toMatchObject({ device: reviewer.id, idempotencyKey: toF1.idempotencyKey, contentHash: toF1.contentHash });
        expect(
          verifyBase64(publicKeyFromRaw(Buffer.from(h.serverKey.publicKey, 'base64')), receiptSigningBytes(row.receipt.receipt), row.receipt.signature),
        ).toBe(true);
        expect(aSeen.find((i) => i.item?.wire.idempotencyKey === run.idempotencyKey)!.item!.wire).toEqual(run);
        const [stored] = await h.db.query('SELECT key_scope, subject, to_device FROM sync_items WHERE idempotency_key = $1', [toF1.idempotencyKey]);
        expect(stored).toEqual({ key_scope: 'tenant', subject: 'card-1', to_device: f1.id });
        // Items without keyScope never get feed rows.
        const feedItems = await h.db.query("SELECT COUNT(*) AS n FROM team_feed WHERE kind = 'item'");
        expect(Number(feedItems[0]!.n)).toBe(6);
      });

      test('team kinds use exactly their contract, without the registry; approvals need keyScope, subject and to', async (h) => {
        const reviewer = await h.enroll({ role: 'reviewer' });
        const f1 = await h.enroll();
        const items = [
          teamItem('run', { contract: 'maestro.share.run@1.1.0' }),
          teamItem('card', { contract: 'field.inspect.site@1.2.0' }),
          makeItem({ kind: 'record', contract: TEAM_CONTRACTS.run }),
          approval(f1, 'card-1', { subject: undefined }),
          { ...approval(f1, 'card-1'), keyScope: undefined },
          teamItem('card'),
        ].map((it) => JSON.parse(JSON.stringify(it)) as SyncItemWire);
        const res = await batchBody(await h.batch(reviewer, items));
        expect(res.results.map((r) => [r.status, r.error?.code, r.error?.details?.reason])).toEqual([
          ['rejected', 'VALIDATION_ERROR', 'team_contract'],
          ['rejected', 'VALIDATION_ERROR', 'team_contract'],
          ['rejected', 'CONTRACT_UNKNOWN', undefined],
          ['rejected', 'VALIDATION_ERROR', 'approval_fields'],
          ['rejected', 'VALIDATION_ERROR', 'approval_fields'],
          ['accepted', undefined, undefined],
        ]);
        expect(await h.count('sync_items')).toBe(1);
      });

      test('paging: limit, hasMore and until (the last row returned, or the highest seq scanned), since echoed; bad queries are 400', async (h) => {
        const reviewer = await h.enroll({ role: 'reviewer' });
        const f1 = await h.enroll();
        const f2 = await h.enroll();
        for (let i = 0; i < 3; i++) await batchBody(await h.batch(f1, [teamItem('run'), teamItem('card')]));
        const feed = (await h.db.query('SELECT seq FROM team_feed ORDER BY seq')).map((r) => Number(r.seq));
        const all = (await pullAll(h, reviewer)).items.map((i) => i.seq);
        // Everything but the reviewer's 'enrolled' event (admins only): certificates of 3 devices and 6 items.
        expect(all).toHaveLength(9);

        const seqs: number[] = [];
        let cursor = 0;
        for (let n = 0; ; n++) {
          const page = await pull(h, reviewer, cursor, 2);
          seqs.push(...page.items.map((i) => i.seq));
          if (page.hasMore) {
            expect(page.items).toHaveLength(2);
            expect(page.until).toBe(page.items[1]!.seq);
          } else {
            expect(page.until).toBe(feed[feed.length - 1]);
            break;
          }
          cursor = page.until;
          expect(n).toBeLessThan(10);
        }
        expect(seqs).toEqual(all);
        // At the end: nothing more, the cursor stays.
        const end = await pull(h, reviewer, feed[feed.length - 1]!, 2);
        expect(end).toMatchObject({ items: [], hasMore: false, until: feed[feed.length - 1] });
        // A field device sees only certificates: its last page ends past the items it cannot see.
        const f2Page = await pull(h, f2, 0, 1000);
        expect(f2Page.items.map((i) => i.kind)).toEqual(['cert', 'cert', 'cert']);
        expect(f2Page).toMatchObject({ hasMore: false, until: feed[feed.length - 1] });
        expect(await pull(h, f2, 999_999)).toMatchObject({ items: [], until: 999_999, hasMore: false });

        const before = await state(h);
        for (const q of ['?limit=0', '?limit=1001', '?wait=31', '?since=-1', '?since=abc', '?since=1.5', '?limit=5&bogus=1', '?since=01']) {
          const res = await pullRaw(h, reviewer, q);
          expect(res.status, q).toBe(400);
          expect((await errorOf(res)).code, q).toBe('VALIDATION_ERROR');
        }
        expect(await state(h)).toEqual(before);
        expect((await h.app.request('/v1/sync/changes')).status).toBe(401);
      });

      test(
        '10,000 shared items page fast (1,000 a page) over the (tenant, seq) index',
        async (h) => {
          const reviewer = await h.enroll({ role: 'reviewer' });
          const f1 = await h.enroll();
          for (let b = 0; b < 20; b++) {
            const res = await batchBody(
              await h.batch(
                f1,
                Array.from({ length: 500 }, () => teamItem('run', { bytes: randomBytes(32) })),
              ),
            );
            expect(res.results.every((r) => r.status === 'accepted')).toBe(true);
          }
          const t = performance.now();
          const { items } = await pullAll(h, reviewer, 0, 1000);
          const ms = performance.now() - t;
          expect(items.filter((i) => i.kind === 'item')).toHaveLength(10_000);
          expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
          expect(ms, `${ms} ms for 11 pages`).toBeLessThan(10_000);
          // From the end, a field device's scan of nothing visible is one index probe.
          const t2 = performance.now();
          await pull(h, f1, items[items.length - 1]!.seq, 1000);
          expect(performance.now() - t2).toBeLessThan(1000);
          if (backend.label === 'SQLite') {
            const plan = await h.db.query(
              `EXPLAIN QUERY PLAN SELECT f.seq FROM team_feed f LEFT JOIN sync_items s ON s.server_seq = f.item_seq
               WHERE f.tenant = $1 AND f.seq > $2 AND (f.to_device = $3 OR f.min_role <= $4) AND (f.from_device IS NULL OR f.from_device <> $3) ORDER BY f.seq LIMIT $5`,
              ['acme', 0, reviewer.id, 1, reviewer.id, 1001],
            );
            // A range from `since` in seq order (the tenant index, or the rowid when ANALYZE finds one
            // tenant holds most rows: both stop at the limit), never a scan of the table or a sort.
            const detail = plan.map((r) => String(r.detail)).join('\n');
            expect(detail).toMatch(/SEARCH f USING (INDEX team_feed_tenant_seq \(tenant=\? AND seq>\?\)|INTEGER PRIMARY KEY \(rowid>\?\))/);
            expect(detail).not.toMatch(/SCAN f|TEMP B-TREE/);
          }
        },
        { timeout: 120_000 },
      );

      test('a page stops before CHANGES_MAX_BYTES of ciphertext (always at least one row), the rest follows', async (h) => {
        const reviewer = await h.enroll({ role: 'reviewer' });
        const f1 = await h.enroll();
        const { until } = await pullAll(h, reviewer);
        const big = () => teamItem('run', { bytes: randomBytes(1_500_000) });
        const items = [big(), big(), big()];
        expect((await batchBody(await h.batch(f1, items))).results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
        expect(CHANGES_MAX_BYTES).toBe(4 * 1024 * 1024);
        const first = await pull(h, reviewer, until, 1000);
        expect(itemKeysIn(first.items)).toEqual(items.slice(0, 2).map((i) => i.idempotencyKey));
        expect(first.hasMore).toBe(true);
        expect(first.until).toBe(first.items[1]!.seq);
        const second = await pull(h, reviewer, first.until, 1000);
        expect(itemKeysIn(second.items)).toEqual([items[2]!.idempotencyKey]);
        expect(second.items[0]!.item!.wire.ciphertext).toBe(items[2]!.ciphertext);
        expect(second.hasMore).toBe(false);
      });

      test('long poll: a pull with wait returns when a visible item arrives, or empty when the wait ends', async (h) => {
        const reviewer = await h.enroll({ role: 'reviewer' });
        const f1 = await h.enroll();
        const f2 = await h.enroll();
        const { until } = await pullAll(h, reviewer);

        const t0 = performance.now();
        const empty = await pull(h, reviewer, until, 100, 1);
        expect(empty).toMatchObject({ items: [], hasMore: false, until });
        expect(performance.now() - t0).toBeGreaterThanOrEqual(900);

        const item = teamItem('card');
        const t1 = performance.now();
        const waiting = pull(h, reviewer, until, 100, 20);
        await new Promise((r) => setTimeout(r, 150));
        // A record sealed under the sender's own key has no feed row and wakes nobody; the shared card does.
        await batchBody(await h.batch(f2, [makeItem()]));
        await batchBody(await h.batch(f1, [item]));
        const page = await waiting;
        expect(performance.now() - t1).toBeLessThan(10_000);
        expect(page.since).toBe(until);
        expect(itemKeysIn(page.items)).toEqual([item.idempotencyKey]);

        // A row invisible to the caller wakes the wait but does not end it.
        const f1Until = (await pullAll(h, f1)).until;
        const t2 = performance.now();
        const fieldWait = pull(h, f1, f1Until, 100, 1);
        await batchBody(await h.batch(f2, [teamItem('run')]));
        const fieldPage = await fieldWait;
        expect(fieldPage.items).toEqual([]);
        expect(fieldPage.until).toBeGreaterThan(f1Until);
        expect(performance.now() - t2).toBeGreaterThanOrEqual(900);
      });
    });

    describe('approvals', () => {
      test('only reviewer and admin devices approve, for a device of the tenant; nothing is stored otherwise', async (h) => {
        const f1 = await h.enroll();
        const f2 = await h.enroll();
        const reviewer = await h.enroll({ role: 'reviewer' });
        const foreign = await h.enroll({ tenant: 'globex' });
        const before = await state(h);
        const byField = await batchBody(await h.batch(f2, [approval(f1, 'card-1')]));
        expect(byField.results[0]).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN', details: { reason: 'role' } } });
        const bad = await batchBody(await h.batch(reviewer, [teamItem('approval', { subject: 'card-1', to: 'dev_nobody' }), approval(foreign, 'card-1')]));
        expect(bad.results.map((r) => [r.status, r.error?.code, r.error?.details?.reason])).toEqual([
          ['rejected', 'VALIDATION_ERROR', 'approval_target'],
          ['rejected', 'VALIDATION_ERROR', 'approval_target'],
        ]);
        const after = await state(h);
        // Only the device rows moved (last sync, snapshots): no item, claim or feed row.
        for (const t of ['sync_items', 'approval_claims', 'team_feed', 'server_audit'] as const) expect(after[t], t).toBe(before[t]);
      });

      test('the first decision per card wins: a later one is CONFLICT with the winner and stores nothing; the winner resent is a duplicate', async (h) => {
        const f1 = await h.enroll({ user: 'ana' });
        const r1 = await h.enroll({ role: 'reviewer', user: 'rui' });
        const admin = await h.enroll({ role: 'admin', user: 'boss' });
        const win = approval(f1, 'card-1');
        const first = await batchBody(await h.batch(r1, [win]));
        expect(first.results[0]!.status).toBe('accepted');
        const receipt = first.results[0]!.receipt!.receipt;

        h.advance(5000);
        const before = await state(h);
        const late = approval(f1, 'card-1');
        const second = await batchBody(await h.batch(admin, [late]));
        const expected: ApprovalConflictDetails = {
          reason: 'card_decided',
          winner: { device: r1.id, user: 'rui', serverSeq: receipt.serverSeq, receivedAt: receipt.receivedAt },
        };
        expect(second.results[0]).toMatchObject({ idempotencyKey: late.idempotencyKey, status: 'rejected', error: { code: 'CONFLICT', details: expected } });
        expect(second.results[0]!.receipt).toBeUndefined();
        const after = await state(h);
        for (const t of ['sync_items', 'approval_claims', 'team_feed', 'server_audit'] as const) expect(after[t], t).toBe(before[t]);

        const resent = await batchBody(await h.batch(r1, [win]));
        expect(resent.results[0]).toEqual({ ...first.results[0], status: 'duplicate' });

        // Two decisions for a new card in one batch: the first wins.
        const a = approval(f1, 'card-2');
        const b = approval(f1, 'card-2', { to: f1.id });
        const both = await batchBody(await h.batch(admin, [a, b]));
        expect(both.results[0]!.status).toBe('accepted');
        expect(both.results[1]).toMatchObject({
          status: 'rejected',
          error: {
            code: 'CONFLICT',
            details: { reason: 'card_decided', winner: { device: admin.id, user: 'boss', serverSeq: both.results[0]!.receipt!.receipt.serverSeq } },
          },
        });
        const claims = await h.db.query('SELECT card_id, idempotency_key, device, user_id FROM approval_claims ORDER BY card_id');
        expect(claims).toEqual([
          { card_id: 'card-1', idempotency_key: win.idempotencyKey, device: r1.id, user_id: 'rui' },
          { card_id: 'card-2', idempotency_key: a.idempotencyKey, device: admin.id, user_id: 'boss' },
        ]);
        // The winners reach the run's device.
        expect(itemKeysIn((await pullAll(h, f1)).items)).toEqual([win.idempotencyKey, a.idempotencyKey]);
      });

      test('concurrent decisions for one card from two devices: exactly one is stored', async (h) => {
        const f1 = await h.enroll();
        const reviewers = [await h.enroll({ role: 'reviewer' }), await h.enroll({ role: 'admin' }), await h.enroll({ role: 'reviewer' })];
        const results = await Promise.all(reviewers.map(async (r) => (await batchBody(await h.batch(r, [approval(f1, 'card-9')]))).results[0]!));
        const statuses = results.map((r: ItemResult) => r.status).sort();
        expect(statuses).toEqual(['accepted', 'rejected', 'rejected']);
        const winner = results.find((r) => r.status === 'accepted')!;
        for (const r of results.filter((x) => x.status === 'rejected')) {
          expect((r.error!.details as unknown as ApprovalConflictDetails).winner.serverSeq).toBe(winner.receipt!.receipt.serverSeq);
        }
        expect(await h.count('approval_claims')).toBe(1);
        expect(itemKeysIn((await pullAll(h, f1)).items)).toEqual([winner.idempotencyKey]);
      });
    });

    describe('CLI', () => {
      test('set-roles and revoke-device issue certificates signed with the server key, delivered on the pull', async (h) => {
        const admin = await h.enroll({ role: 'admin' });
        const dev = await h.enroll({ user: 'ana' });
        const roles = await runMain(['set-roles', dev.id, 'reviewer,field', '--reason', 'Site lead'], h.db.cliEnv());
        expect(roles.code, roles.stderr).toBe(0);
        expect(roles.stdout).toContain('roles: field,reviewer');
        expect(roles.stdout).toContain('certVersion: 2');
        const bad = await runMain(['set-roles', dev.id, 'reviewer'], h.db.cliEnv());
        expect(bad.code).toBe(2);
        const rev = await runMain(['revoke-device', '--device', dev.id, '--reason', 'Lost'], h.db.cliEnv());
        expect(rev.code, rev.stderr).toBe(0);
        expect((await runMain(['set-roles', dev.id, 'admin', '--reason', 'x'], h.db.cliEnv())).code).toBe(1);

        const seen = (await pullAll(h, admin)).items;
        const certs = certsIn(seen).filter((c) => c.cert.device === dev.id);
        expect(certs.map((c) => [c.cert.certVersion, c.cert.status, c.cert.roles.join()])).toEqual([
          [1, 'active', 'field'],
          [2, 'active', 'field,reviewer'],
          [3, 'revoked', 'field,reviewer'],
        ]);
        for (const c of certs) expect(serverVerifies(h, c)).toBe(true);
        expect(
          eventsIn(seen)
            .filter((e) => e.device === dev.id)
            .map((e) => [e.type, e.reason]),
        ).toEqual([
          ['enrolled', null],
          ['roles', 'Site lead'],
          ['revoked', 'Lost'],
        ]);
        const audit = await h.db.query("SELECT actor, action FROM server_audit WHERE subject = $1 AND actor = 'cli' ORDER BY seq", [dev.id]);
        expect(audit.map((a) => a.action)).toEqual(['device.roles_changed', 'device.revoked']);
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
