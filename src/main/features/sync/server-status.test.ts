// The server's word on this device, end to end: real main-process services and the real sync-server
// app (SQLite, signed requests, receipts) in this process, wired through fetch, one shared clock.
// Blocked → sync refused, every item kept as it was, governance says why and refuses submit;
// unblocked → the next sync clears it and the items go through.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../app/dispatch';
import { enrolledDevice } from './testing';
import type { Services } from '../../app/services';
import type { SyncBatchResponse } from '../../../shared/sync/protocol';
import { DAY_MS } from '../../../shared/risk/index';
import { msg } from '../../../shared/messages';
import { sqliteBackend, type TestDb } from '../../../server/testing/backends';
import { CONTRACT_FILES, createHarness, T0, type Device, type Harness } from '../../../server/testing/harness';
import { BLOCKED_PROBE_MS } from './engine';

const SITE = 'field.inspect.site@1.2.0';
const REPORT = 'field.submit.report@1.0.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2025-02-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });
const report = {
  reportId: 'RPT-2025-001',
  siteIds: ['PS-1'],
  period: { from: '2025-02-01', to: '2025-02-20' },
  conclusion: 'compliant',
  summary: 'All sites inspected.',
  submittedBy: { name: 'Ada' },
};
/** "This device was blocked by an administrator on 2025-03-01: Device reported stolen. Contact your admin; …" */
const BLOCKED = msg('risk.device_blocked.on_why', { day: '2025-03-01', why: 'Device reported stolen' });

let db: TestDb;
let h: Harness;
let admin: Device;
let s: Services;
/** Sync-batch replies the device received (status and parsed body), in order. */
let replies: { status: number; body: unknown }[];
/** When set, rewrites each sync-batch reply body (e.g. an older server without deviceStatus). */
let rewrite: ((body: Record<string, unknown>) => Record<string, unknown>) | null;

beforeEach(async () => {
  db = await sqliteBackend.open();
  h = await createHarness(db, { contractFiles: [...CONTRACT_FILES, REPORT] });
  admin = await h.enroll({ role: 'admin', user: 'boss' });
  replies = [];
  rewrite = null;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await h.app.fetch(new Request(input, init));
    if (!String(input).includes('/v1/sync/batch')) return res;
    const body = (await res.json()) as Record<string, unknown>;
    replies.push({ status: res.status, body });
    const out = rewrite && res.status === 200 ? rewrite(body) : body;
    return new Response(JSON.stringify(out), { status: res.status, headers: res.headers });
  }) as typeof fetch;
  s = await enrolledDevice(h, db, fetchFn);
});

afterEach(async () => {
  s.close();
  await h.serverKey.close();
  await db.dispose();
});

const deviceId = () => s.sync.config()!.deviceId;
const act = async (action: string, reason: string) => {
  const res = await h.signed(admin, 'POST', `/v1/admin/devices/${deviceId()}/${action}`, JSON.stringify({ reason }));
  expect(res.status, await res.clone().text()).toBe(200);
};
const openAlerts = (code: string) => s.db.prepare('SELECT count(*) FROM alerts WHERE code = ? AND resolved = 0').pluck().get(code) as number;
const serverItems = async () => Number((await db.query('SELECT COUNT(*) AS n FROM sync_items WHERE device = $1', [deviceId()]))[0]!.n);
const lastReply = () => replies[replies.length - 1]!;

describe("the server's device status on the device", () => {
  it('every sync reply carries it; the device stores it and it matches the admin view', async () => {
    s.capture.submit({ contract: SITE, data: site(1) });
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
    const body = lastReply().body as SyncBatchResponse;
    expect(body.deviceStatus).toEqual({
      blocked: false,
      updateRequired: false,
      risk: { level: 'low', reasons: [], allowedActions: ['read', 'capture', 'draft', 'submit', 'sync'] },
    });
    const view = (await (await h.signed(admin, 'GET', `/v1/admin/devices/${deviceId()}`)).json()) as { device: { risk: unknown } };
    expect(body.deviceStatus.risk).toEqual(view.device.risk);
    expect(s.governance.status().server).toEqual({
      blocked: false,
      blockedAt: null,
      blockedReason: null,
      updateRequired: false,
      risk: { level: 'low', reasons: [] },
      at: h.now().toISOString(),
    });
  });

  it('blocked: sync refused, items stay queued with attempts unchanged, governance says why and refuses submit; unblocked: cleared and sent', async () => {
    const d = createDispatcher(s);
    s.capture.submit({ contract: SITE, data: site(1) });
    await s.sync.syncNow();
    expect(await d('capture.submit', { contract: REPORT, data: report })).toMatchObject({ ok: true });
    await s.sync.syncNow();
    expect(await serverItems()).toBe(2);

    await act('block', 'Device reported stolen');
    h.advance(60_000);
    // Capture stays allowed offline and while blocked.
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(2) });
    const before = s.outbox.row(outboxId);
    const run = await s.sync.syncNow();
    expect(run).toMatchObject({ acked: 0, failed: 0, phase: 'error' });
    expect(lastReply()).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', details: { reason: 'device_blocked', blockedReason: 'Device reported stolen' } } },
    });
    const after = s.outbox.row(outboxId);
    expect(after).toMatchObject({ state: 'queued', attempts: before.attempts, next_attempt_at: before.next_attempt_at, last_error: JSON.stringify(BLOCKED) });
    expect(after.ciphertext?.length).toBeGreaterThan(0); // sealed once, kept for the resend
    expect(await serverItems()).toBe(2);

    const st = s.governance.status();
    expect(st.risk.level).toBe('critical');
    expect(st.risk.reasons).toContainEqual(BLOCKED);
    expect(st.server).toMatchObject({
      blocked: true,
      blockedAt: new Date(T0).toISOString(),
      blockedReason: 'Device reported stolen',
      risk: { level: 'critical' },
    });
    expect((await s.sync.status()).lastError).toEqual(BLOCKED);
    const refused = await d('capture.submit', { contract: REPORT, data: report });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { reason: 'device_blocked', blockedReason: 'Device reported stolen' } } });
    expect(refused).toMatchObject({ error: { details: { messages: [BLOCKED, msg('risk.refused.blocked', { action: 'submit' })] } } });
    expect(await d('governance.status', {})).toMatchObject({ ok: true, data: { server: { blocked: true } } });
    expect(s.health.run('now').checks.find((c) => c.id === 'governance.risk')).toMatchObject({ status: 'error' });

    // Asking again: still refused, one alert (not one per attempt), still no attempt spent.
    await s.sync.syncNow({ force: true });
    expect(openAlerts('DEVICE_BLOCKED')).toBe(1);
    // The alert says it as a message (the sync panel puts it into words), stored as JSON in its row.
    expect((await s.sync.status()).alerts.find((a) => a.code === 'DEVICE_BLOCKED')).toMatchObject({ message: BLOCKED, subject: deviceId() });
    expect(s.db.prepare("SELECT message FROM alerts WHERE code = 'DEVICE_BLOCKED'").pluck().get()).toBe(JSON.stringify(BLOCKED));
    expect(openAlerts('SYNC_REFUSED')).toBe(0);
    expect(s.outbox.row(outboxId)).toMatchObject({ state: 'queued', attempts: before.attempts });
    expect(s.audit.list({ limit: 10, action: 'device.blocked_by_server' }).entries).toHaveLength(1);

    await act('unblock', 'Found in the van');
    h.advance(60_000);
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, phase: 'idle' });
    expect(s.outbox.row(outboxId)).toMatchObject({ state: 'acked', receipt_verified: 1 });
    expect(await serverItems()).toBe(3);
    expect(openAlerts('DEVICE_BLOCKED')).toBe(0);
    expect(s.governance.status()).toMatchObject({ server: { blocked: false, blockedAt: null, blockedReason: null }, risk: { level: 'low' } });
    expect(
      s.governance
        .status()
        .risk.reasons.map((r) => r.code)
        .join(' '),
    ).not.toMatch(/blocked/);
    expect(await d('capture.submit', { contract: REPORT, data: report })).toMatchObject({ ok: true });
    expect(s.audit.list({ limit: 10, action: 'device.unblocked_by_server' }).entries).toHaveLength(1);
  });

  it('update required: high risk with what to do, submit refused, one alert; cleared by a later reply', async () => {
    const d = createDispatcher(s);
    await s.sync.syncNow();
    await act('require-update', 'Security fix 1.4.2');
    await s.sync.syncNow();
    expect((lastReply().body as SyncBatchResponse).deviceStatus).toMatchObject({ updateRequired: true, risk: { level: 'high' } });
    const st = s.governance.status();
    expect(st.risk.level).toBe('high');
    expect(st.risk.reasons).toEqual([msg('risk.update_required_device')]);
    const refused = await d('capture.submit', { contract: REPORT, data: report });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { reason: 'risk', level: 'high' } } });
    expect((refused as { error: { details: { messages: unknown[] } } }).error.details.messages).not.toContainEqual(msg('risk.refused.sync_to_restore'));
    await s.sync.syncNow();
    expect(openAlerts('UPDATE_REQUIRED')).toBe(1);
    expect((await s.sync.status()).alerts.find((a) => a.code === 'UPDATE_REQUIRED')?.message).toEqual(msg('risk.update_required_device'));

    await act('clear-update', 'Updated on site');
    await s.sync.syncNow();
    expect(openAlerts('UPDATE_REQUIRED')).toBe(0);
    expect(s.governance.status()).toMatchObject({ server: { updateRequired: false }, risk: { level: 'low' } });
    expect(await d('capture.submit', { contract: REPORT, data: report })).toMatchObject({ ok: true });
  });

  it('a reply without deviceStatus (a server older than the app) is accepted and keeps the last known status', async () => {
    await act('require-update', 'Security fix 1.4.2');
    await s.sync.syncNow();
    rewrite = (body) => {
      const { deviceStatus: _dropped, ...rest } = body;
      return rest;
    };
    await act('clear-update', 'Updated on site');
    s.capture.submit({ contract: SITE, data: site(3) });
    expect(await s.sync.syncNow()).toMatchObject({ acked: 1, failed: 0, phase: 'idle' });
    expect(s.governance.status().server).toMatchObject({ updateRequired: true });
  });

  it('"Sync now" with nothing to send still asks the server: the last sync time and the status are refreshed', async () => {
    await s.sync.syncNow();
    await act('block', 'Device reported stolen');
    await s.sync.syncNow();
    expect(s.governance.status().server?.blocked).toBe(true);
    await act('unblock', 'Found in the van');
    h.advance(2 * DAY_MS);
    expect(s.outbox.due(1)).toHaveLength(0);
    const n = replies.length;
    expect(await s.sync.syncNow()).toMatchObject({ batches: 1, phase: 'idle' });
    expect(replies).toHaveLength(n + 1);
    expect(s.governance.status()).toMatchObject({ server: { blocked: false }, freshForSubmit: true, lastSyncAt: h.now().toISOString() });
  });

  it('the background tick asks a server that blocked the device only every few minutes', async () => {
    await s.sync.syncNow();
    await act('block', 'Device reported stolen');
    s.capture.submit({ contract: SITE, data: site(4) });
    await s.sync.syncNow();
    const n = replies.length;
    await s.sync.tick();
    expect(replies).toHaveLength(n); // items are due, but the refusal is fresh
    await act('unblock', 'Found in the van');
    h.advance(BLOCKED_PROBE_MS);
    await s.sync.tick();
    expect(replies.length).toBeGreaterThan(n);
    expect(s.governance.status().server?.blocked).toBe(false);
    expect(s.outbox.counts()).toMatchObject({ queued: 0, acked: 1 });
  });
});
