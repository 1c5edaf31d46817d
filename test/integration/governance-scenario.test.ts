// The offline-governance scenario from the design notes, end to end with one controlled clock:
// real main-process services on three devices (a field user, a long-lost device, an admin laptop)
// and the real sync server app (SQLite storage, signed requests, receipts) in this process, wired
// through fetch. Nothing is mocked but the clock and the transport.
import { sealServerBundles } from '../../src/main/features/bundles/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServices, DEFAULT_RESOURCES_DIR, type Services } from '../../src/main/app/services';
import { tempDir, unlockedVault } from '../../src/main/platform/test-utils';
import { createDispatcher } from '../../src/main/app/dispatch';
import type { Res } from '../../src/shared/api/types';
import { DAY_MS } from '../../src/shared/risk';
import { createApp } from '../../src/server/app';
import { seedContracts } from '../../src/server/contracts';
import { generateServerKey } from '../../src/server/crypto/server-key';
import { createEnrollmentToken } from '../../src/server/enrollment-tokens';
import { createJsonLogger } from '../../src/server/logger';
import { openSqliteStorage } from '../../src/server/storage/sqlite';
import type { ServerStorage } from '../../src/server/storage/types';

const SITE = 'field.inspect.site@1.2.0';
const REPORT = 'field.submit.report@1.0.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });
const report = {
  reportId: 'RPT-2026-017',
  siteIds: ['PS-1'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion: 'compliant',
  summary: 'All sites inspected.',
  submittedBy: { name: 'Ada' },
};

let t = Date.parse('2026-09-01T08:00:00.000Z');
const clock = { now: () => new Date(t) };
const advance = (ms: number) => (t += ms);

const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function startServer(): Promise<{ storage: ServerStorage; fetch: typeof fetch; dbPath: string }> {
  const dir = tempDir('maestro-gov-srv-');
  // The server knows a newer minor of the site contract: a micro-contract update for devices.
  const contractsDir = join(dir, 'contracts');
  cpSync(join(DEFAULT_RESOURCES_DIR, 'contracts'), contractsDir, { recursive: true });
  const doc = JSON.parse(readFileSync(join(contractsDir, `${SITE}.json`), 'utf8')) as { contract: string; schema: { properties: Record<string, unknown> } };
  doc.contract = 'field.inspect.site@1.3.0';
  doc.schema.properties.weather = { type: 'string', title: 'Weather', enum: ['dry', 'rain', 'snow'] };
  writeFileSync(join(contractsDir, 'field.inspect.site@1.3.0.json'), JSON.stringify(doc));
  const dbPath = join(dir, 'server.db');
  const storage = openSqliteStorage(dbPath);
  const serverKey = generateServerKey();
  const contracts = await seedContracts(storage, contractsDir, clock.now());
  const bundlesDir = await sealServerBundles({ outDir: join(dir, 'bundles'), contractsDir });
  const app = createApp({ storage, version: 'test', clock, logger: createJsonLogger('test', () => {}), startedAt: t, serverKey, contracts, bundlesDir });
  closers.push(
    () => storage.close(),
    () => serverKey.close(),
  );
  const fetchFn = ((input: string | URL | Request, init?: RequestInit) => app.fetch(new Request(input, init))) as typeof fetch;
  return { storage, fetch: fetchFn, dbPath };
}

async function device(srv: { storage: ServerStorage; fetch: typeof fetch }, name: string, user: string, role: 'field' | 'admin' = 'field'): Promise<Services> {
  const dataDir = tempDir('maestro-gov-dev-');
  const s = createServices({ dataDir, host: 'web', clock, secrets: await unlockedVault(dataDir), fetch: srv.fetch });
  closers.push(() => s.close());
  s.profile.setup({ name, tenant: 'acme' });
  const { token } = await createEnrollmentToken(srv.storage, clock.now(), { tenant: 'acme', user, role }, 'test');
  await s.sync.enroll('http://sync.test/', token);
  return s;
}

const serverItems = (dbPath: string, deviceId: string): number => {
  const db = new Database(dbPath, { readonly: true });
  const row = db.prepare('SELECT COUNT(*) AS n FROM sync_items WHERE device = ?').get(deviceId) as { n: number };
  db.close();
  return row.n;
};

describe('offline capture, online submit, and the stale-device board (design-notes scenario)', () => {
  it('runs the whole story with a controlled clock', async () => {
    const srv = await startServer();

    // Day 0: Bo's device syncs once, then is never seen again.
    const bo = await device(srv, 'Bo', 'bo@acme');
    bo.capture.submit({ contract: SITE, data: site(100) });
    expect((await bo.sync.syncNow()).acked).toBe(1);
    const boId = bo.sync.config()!.deviceId;

    // Day 46: Ada's device enrolls and syncs, then she works offline for 10 days.
    advance(46 * DAY_MS);
    const ada = await device(srv, 'Ada', 'ada@acme');
    await ada.sync.syncNow();
    const dispatch = createDispatcher(ada);
    for (let day = 0; day < 10; day++) {
      advance(DAY_MS);
      for (let i = 0; i < 3; i++) {
        const res = await dispatch('capture.submit', { contract: SITE, data: site(day * 10 + i) });
        expect(res.ok).toBe(true); // capture is always allowed
      }
    }
    // Day 56: the report is refused, with the reason and what to do.
    const refused = await dispatch('capture.submit', { contract: REPORT, data: report });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { reason: 'stale_sync' } } });
    expect(!refused.ok && refused.error.details).toMatchObject({
      messages: [{ code: 'risk.refused.stale', params: { count: 30, days: expect.closeTo(10, 0) as number, hours: 24 } }],
    });
    expect(ada.governance.status().risk.level).toBe('medium');

    // Ada gets a connection: everything lands, the newer minor contract installs, submit succeeds.
    const run = await ada.sync.syncNow();
    expect(run.acked).toBe(30);
    expect(ada.contracts.has('field.inspect.site@1.3.0')).toBe(true);
    expect(ada.audit.list({ limit: 10, action: 'contract.updated' }).entries[0]?.subject).toBe('field.inspect.site@1.3.0');
    const submitted = await dispatch('capture.submit', { contract: REPORT, data: report });
    expect(submitted).toMatchObject({ ok: true });
    expect(ada.governance.status()).toMatchObject({ freshForSubmit: true, risk: { level: 'low' } });

    // Day 57: the admin opens the board (signed requests from the admin's own enrolled device).
    advance(DAY_MS);
    const admin = await device(srv, 'Erin', 'erin@acme', 'admin');
    const board = createDispatcher(admin);
    const critical = await board('admin.devices.list', { level: 'critical', sort: 'daysOffline', dir: 'desc' });
    expect(critical.ok).toBe(true);
    const page = (critical as { data: Res<'admin.devices.list'> }).data;
    expect(page.devices.map((d) => d.id)).toEqual([boId]);
    expect(page.devices[0]).toMatchObject({ user: 'bo@acme', daysOffline: 57, risk: { level: 'critical' } });
    expect(page.devices[0]!.risk.reasons).toContainEqual({ code: 'risk.last_sync_over', params: { days: 57, limit: 30 } });
    const summary = await board('admin.summary', {});
    expect(summary).toMatchObject({ ok: true, data: { levels: { critical: 1 }, daysSinceSync: { '30+': 1 } } });

    // A destructive action needs confirm: true and a reason; without them nothing happens.
    expect(await board('admin.devices.act', { id: boId, action: 'block', reason: 'Lost contact for 8 weeks' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
    expect(await board('admin.devices.act', { id: boId, action: 'block', reason: '', confirm: true })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
    const blocked = await board('admin.devices.act', { id: boId, action: 'block', reason: 'Lost contact for 8 weeks', confirm: true });
    expect(blocked).toMatchObject({
      ok: true,
      data: { device: { id: boId, blocked: true, blockedReason: 'Lost contact for 8 weeks', risk: { level: 'critical' } } },
    });
    expect(admin.audit.list({ limit: 5, action: 'admin.device.block' }).entries[0]).toMatchObject({
      subject: boId,
      payload: { reason: 'Lost contact for 8 weeks' },
    });
    expect(await board('admin.devices.get', { id: 'dev_missing' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const detail = await board('admin.devices.get', { id: boId });
    expect(detail).toMatchObject({ ok: true, data: { device: { blocked: true } } });
    expect((detail as { data: Res<'admin.devices.get'> }).data.snapshots.length).toBeGreaterThan(0);

    // Bo's device wakes up: it captures (allowed), its sync is refused, and its data stays intact.
    bo.capture.submit({ contract: SITE, data: site(101) });
    const before = bo.outbox.list({ limit: 100 });
    const boRun = await bo.sync.syncNow();
    expect(boRun.acked).toBe(0);
    const after = bo.outbox.list({ limit: 100 });
    expect(after.map((i) => [i.id, i.state])).toEqual(before.map((i) => [i.id, i.state]));
    expect(after.find((i) => i.state === 'queued')?.attempts).toBe(before.find((i) => i.state === 'queued')?.attempts);
    expect(bo.capture.listRecords(10)).toHaveLength(2);
    expect(serverItems(srv.dbPath, boId)).toBe(1);
    // Bo's device learned why: its risk card says blocked, with the admin's reason and what to do.
    const boGov = bo.governance.status();
    expect(boGov.server).toMatchObject({ blocked: true, blockedReason: 'Lost contact for 8 weeks' });
    expect(boGov.risk.level).toBe('critical');
    expect(boGov.risk.reasons).toContainEqual({ code: 'risk.device_blocked.on_why', params: { day: expect.any(String), why: 'Lost contact for 8 weeks' } });
    expect((await bo.sync.status()).alerts.map((a) => a.code)).toContain('DEVICE_BLOCKED');

    // Unblocked, the waiting item goes through on the next sync.
    expect(await board('admin.devices.act', { id: boId, action: 'unblock', reason: 'Device found, user back on site', confirm: true })).toMatchObject({
      ok: true,
      data: { device: { blocked: false } },
    });
    expect((await bo.sync.syncNow()).acked).toBe(1);
    expect(serverItems(srv.dbPath, boId)).toBe(2);
    expect(bo.governance.status().server).toMatchObject({ blocked: false });
  });

  it('refuses the admin board to a field credential and says why', async () => {
    const srv = await startServer();
    const field = await device(srv, 'Ada', 'ada@acme');
    const d = createDispatcher(field);
    expect(await d('admin.devices.list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { reason: 'role' } } });
    const unenrolled = createServices({ dataDir: tempDir(), host: 'web', clock, secrets: await unlockedVault(tempDir()) });
    closers.push(() => unenrolled.close());
    unenrolled.profile.setup({ name: 'X', tenant: 'acme' });
    expect(await createDispatcher(unenrolled)('admin.summary', {})).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', details: { reason: 'not_enrolled' } },
    });
  });

  it('an admin whose server is unreachable gets UNAVAILABLE; bad input reaches neither server nor audit', async () => {
    const srv = await startServer();
    let down = false;
    const flaky = ((input: string | URL | Request, init?: RequestInit) =>
      down ? Promise.reject(new TypeError('fetch failed')) : srv.fetch(input, init)) as typeof fetch;
    const admin = await device({ ...srv, fetch: flaky }, 'Erin', 'erin@acme', 'admin');
    const d = createDispatcher(admin);
    expect(await d('admin.policy.get', {})).toMatchObject({
      ok: true,
      data: { custom: false, policy: { offlineDays: { medium: 7, high: 14, critical: 30 } } },
    });
    const seq = admin.audit.store.count();
    expect(
      await d('admin.policy.set', {
        policy: { offlineDays: { medium: 20, high: 10, critical: 30 }, pending: { medium: 50, high: 100 }, deadLetters: { medium: 0, high: 10 } },
        reason: 'Longer field trips',
        confirm: true,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
    expect(await d('admin.devices.list', { sort: 'nope' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(admin.audit.store.count()).toBe(seq);
    const set = await d('admin.policy.set', {
      policy: { offlineDays: { medium: 10, high: 20, critical: 40 }, pending: { medium: 50, high: 100 }, deadLetters: { medium: 0, high: 10 } },
      reason: 'Longer field trips',
      confirm: true,
    });
    expect(set).toMatchObject({ ok: true, data: { custom: true, policy: { offlineDays: { critical: 40 } } } });
    expect(admin.audit.list({ limit: 1, action: 'admin.risk_policy.updated' }).entries).toHaveLength(1);
    down = true;
    expect(await d('admin.devices.list', {})).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', details: { reason: 'network' } } });
  });
});
