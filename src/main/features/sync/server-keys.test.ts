// Key rotation on the device, end to end: real main-process services and the real sync-server app
// (SQLite) in this process, one shared clock. A device enrolled under key 1 learns key 2 on its next
// sync, accepts key-2 receipts and still verifies its key-1 receipts; a forged chain is refused; the
// device replaces its own signing key (old key refused after, new key accepted, both kept).
import { mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolledDevice } from './testing';
import type { Services } from '../../app/services';
import { receiptSigningBytes, type SignedReceipt } from '../../../shared/sync/protocol';
import type { SignedServerKeyStatement } from '../../../shared/sync/server-keys';
import { verifyBase64 } from '../../../platform/ed25519';
import { sqliteBackend, type TestDb } from '../../../server/testing/backends';
import { createHarness, T0, type Harness } from '../../../server/testing/harness';
import { makeItem, signedHeaders } from '../../../server/testing/device-client';
import { serverKeyFrom } from '../../../server/crypto/server-key';
import { keyRingOf, SERVER_KEY_DIRNAME } from '../../../server/crypto/server-key-ring';
import { introduceServerKey, signServerKeyStatement } from '../../../server/crypto/rotate';
import { learnServerKeys, readServerKeyRing } from '../../platform/device/server-keys';
import { deviceKeyName } from '../../platform/device/credential';
import { privateKeyFromPem } from '../../../platform/ed25519';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2025-02-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });
const HOUR = 3_600_000;

let db: TestDb;
let h: Harness;
let s: Services;
/** When set, rewrites reply bodies of sync and pull (a server, or a man in the middle, lying about its keys). */
let rewrite: ((body: Record<string, unknown>) => Record<string, unknown>) | null;

beforeEach(async () => {
  db = await sqliteBackend.open();
  h = await createHarness(db);
  rewrite = null;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await h.app.fetch(new Request(input, init));
    const url = String(input);
    if (!rewrite || res.status !== 200 || !(url.includes('/v1/sync/batch') || url.includes('/v1/sync/changes'))) return res;
    const body = rewrite((await res.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(body), { status: 200, headers: res.headers });
  }) as typeof fetch;
  s = await enrolledDevice(h, db, fetchFn);
});

afterEach(async () => {
  s.close();
  await h.serverKey.close();
  await db.dispose();
});

/** A second server key in the server's key directory, introduced (valid from T0 + 1 h, key 1 signs until T0 + 3 h). */
async function rotateServer(): Promise<{ key1: string; key2: string }> {
  const ring = keyRingOf(h.serverKey);
  const key1 = h.serverKey.keyId;
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  mkdirSync(join(db.dir, SERVER_KEY_DIRNAME), { recursive: true });
  writeFileSync(join(db.dir, SERVER_KEY_DIRNAME, 'next.pem'), pem, { mode: 0o600 });
  const next = serverKeyFrom(privateKeyFromPem(pem));
  const r = await introduceServerKey(db.storage, ring, {
    current: ring.byId(key1)!,
    next,
    validFrom: new Date(T0 + HOUR),
    previousValidUntil: new Date(T0 + 3 * HOUR),
    now: h.now(),
    actor: 'test',
  });
  expect(r.ok).toBe(true);
  return { key1, key2: next.keyId };
}

const receipts = (): SignedReceipt[] =>
  (s.db.prepare('SELECT receipt FROM outbox WHERE receipt IS NOT NULL ORDER BY created_at').pluck().all() as string[]).map(
    (x) => JSON.parse(x) as SignedReceipt,
  );
const auditActions = (action: string) => s.db.prepare('SELECT count(*) FROM audit_log WHERE action = ?').pluck().get(action) as number;
const openAlerts = (code: string) => s.db.prepare('SELECT count(*) FROM alerts WHERE code = ? AND resolved = 0').pluck().get(code) as number;

describe('server key rotation on the device', () => {
  it('learns the new key on its next sync, accepts key-2 receipts and still verifies its key-1 receipts', async () => {
    s.capture.submit({ contract: SITE, data: site(1) });
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
    const { key1, key2 } = await rotateServer();
    h.advance(2 * HOUR);
    expect(h.serverKey.keyId).toBe(key2);
    s.capture.submit({ contract: SITE, data: site(2) });
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
    const [r1, r2] = receipts();
    expect([r1!.receipt.serverKeyId, r2!.receipt.serverKeyId]).toEqual([key1, key2]);
    const ring = readServerKeyRing(s.db)!;
    expect(ring.windows.map((w) => w.keyId)).toEqual([key1, key2]);
    for (const r of [r1!, r2!])
      expect(verifyBase64(ring.keyFor(r.receipt.serverKeyId, r.receipt.receivedAt)!, receiptSigningBytes(r.receipt), r.signature)).toBe(true);
    expect(auditActions('sync.server_keys_learned')).toBe(1);
    expect(openAlerts('RECEIPT_INVALID')).toBe(0);
    // Key 1 signs nothing dated after its window: such a receipt would not be accepted.
    expect(ring.keyFor(key1, new Date(T0 + 4 * HOUR).toISOString())).toBeNull();
  });

  it('refuses a chain not signed by its predecessor: nothing learned, key-2 receipts refused, items kept', async () => {
    const { key1, key2 } = await rotateServer();
    const real = keyRingOf(h.serverKey).statements()[0]!;
    // The same statement, "signed" for key 1 by some other key.
    const forger = serverKeyFrom(generateKeyPairSync('ed25519').privateKey);
    const forged: SignedServerKeyStatement = {
      ...real,
      sigPrev: signServerKeyStatement(forger, keyRingOf(h.serverKey).byId(key2)!, 2, {
        validFrom: new Date(real.statement.validFrom),
        previousValidUntil: new Date(real.statement.previousValidUntil),
        issuedAt: new Date(real.statement.issuedAt),
      }).sigPrev,
    };
    expect(learnServerKeys(s.db, [forged], h.now().toISOString())).toMatchObject({ ok: false });
    rewrite = (body) => (body.serverKeys ? { ...body, serverKeys: [forged] } : body);
    h.advance(2 * HOUR);
    s.capture.submit({ contract: SITE, data: site(3) });
    const run = await s.sync.syncNow();
    expect(run.acked).toBe(0);
    expect(readServerKeyRing(s.db)!.windows.map((w) => w.keyId)).toEqual([key1]);
    expect(openAlerts('SERVER_KEYS_INVALID')).toBeGreaterThan(0);
    expect(openAlerts('RECEIPT_INVALID')).toBe(1);
    expect(auditActions('sync.server_keys_refused')).toBeGreaterThan(0);
    // The honest chain on the next run: the item goes through.
    rewrite = null;
    expect(await s.sync.syncNow({ force: true })).toMatchObject({ acked: 1 });
  });
});

describe('device key rotation', () => {
  it('the server takes the new key (old key refused after), the device switches only then, both keys are kept', async () => {
    const id = s.sync.config()!.deviceId;
    const oldPem = (await (await s.secrets()).get(deviceKeyName(id)))!;
    const before = (await db.storage.getDevice(id))!;
    const r = await s.sync.rotateDeviceKey();
    expect(r.version).toBe(2);
    const after = (await db.storage.getDevice(id))!;
    expect(after.publicKey).toBe(r.publicKey);
    expect(r.certVersion).toBe(before.certVersion + 1);
    expect((await db.storage.deviceKeys(id)).map((k) => k.version)).toEqual([1, 2]);
    expect((await db.query("SELECT COUNT(*) AS n FROM server_audit WHERE action = 'device.key_rotated'"))[0]!.n).toBe(1);
    expect(auditActions('sync.device_key_rotated')).toBe(1);
    // The old key no longer authenticates…
    const old = { id, privateKey: privateKeyFromPem(oldPem) };
    const body = JSON.stringify({ device: id, appVersion: '1.0.0', items: [makeItem()] });
    const res = await h.app.request('/v1/sync/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(old, 'POST', '/v1/sync/batch', body, h.now()) },
      body,
    });
    expect(res.status).toBe(401);
    // …and the device syncs with the new one.
    s.capture.submit({ contract: SITE, data: site(4) });
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
  });
});
