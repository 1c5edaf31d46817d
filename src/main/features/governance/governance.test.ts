import { describe, expect, it } from 'vitest';
import { makeServices, tempDir } from '../../platform/test-utils';
import { writeSyncConfig, noteSynced } from '../../platform/device/sync-config';
import { writeServerStatus } from '../sync/server-status';
import type { Clock } from '../../platform/util/clock';
import { createDispatcher } from '../../app/dispatch';
import { messageForLog, msg } from '../../../shared/messages';

const REPORT = 'field.submit.report@1.0.0';
const report = {
  reportId: 'RPT-2026-017',
  siteIds: ['PS-7'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion: 'compliant',
  summary: 'All sites inspected, nothing urgent.',
  submittedBy: { name: 'Ada' },
};
const site = { siteId: 'PS-7', inspectedAt: '2026-11-20', location: { lat: 1, lon: 2 }, condition: 'good', inspector: { name: 'Ada' } };

/** A wall clock the test moves (forward or back). */
function wall(start: string) {
  let t = Date.parse(start);
  const clock: Clock = { now: () => new Date(t) };
  return { clock, set: (iso: string) => (t = Date.parse(iso)), add: (ms: number) => (t += ms) };
}

function device(start = '2026-11-01T08:00:00.000Z') {
  const w = wall(start);
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  s.profile.setup({ name: 'Ada', tenant: 'acme' });
  writeSyncConfig(s.db, {
    serverUrl: 'http://127.0.0.1:1/',
    deviceId: 'dev_x',
    tenant: 'acme',
    user: 'ada',
    roles: ['field'],
    serverKeyId: 'k',
    serverPublicKey: 'A'.repeat(43) + '=',
    enrolledAt: start,
    contracts: {},
  });
  return { s, w, d: createDispatcher(s) };
}

describe('device governance: offline capture, online submit', () => {
  it('captures always; a submit needs a sync within 24 h and says what to do', async () => {
    const { s, w, d } = device();
    expect(s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site }).outboxId).toBeTruthy();
    const refused = await d('capture.submit', { contract: REPORT, data: report });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', details: { reason: 'stale_sync', action: 'submit', messages: [msg('risk.refused.stale_never', { count: 1, hours: 24 })] } },
    });
    // The message is the log form: codes and params, no English.
    expect((refused as { error: { message: string } }).error.message).toBe('submit refused: risk.refused.stale_never {"count":1,"hours":24}');
    noteSynced(s.db, w.clock.now().toISOString(), w.clock.now().toISOString(), {});
    w.add(23 * 3600_000);
    expect(await d('capture.submit', { contract: REPORT, data: report })).toMatchObject({ ok: true });
    w.add(2 * 3600_000);
    const late = await d('capture.submit', { contract: REPORT, data: report });
    expect(late).toMatchObject({ error: { details: { messages: [msg('risk.refused.stale', { count: 2, days: 1.1, hours: 24 })] } } });
  });

  it('says one true sentence about the device, and allows submit only while the last sync is fresh', () => {
    const { s, w } = device();
    expect(s.governance.status()).toMatchObject({ summary: [msg('risk.state.not_synced')], freshForSubmit: false });
    expect(s.governance.status().allowedNow).not.toContain('submit');
    noteSynced(s.db, w.clock.now().toISOString(), w.clock.now().toISOString(), {});
    w.add(3 * 3600_000);
    s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site });
    const st = s.governance.status();
    expect(st.summary).toEqual([msg('risk.state.in_sync.hours', { n: 3 }), msg('risk.state.queued', { count: 1 })]);
    expect(st.allowedNow).toContain('submit');
    w.add(22 * 3600_000);
    expect(s.governance.status().allowedNow).not.toContain('submit');
  });

  it('a device never enrolled is not called in sync', () => {
    const dataDir = tempDir();
    const s = makeServices({ dataDir });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    expect(s.governance.status().summary).toEqual([msg('risk.state.not_enrolled')]);
    s.close();
  });

  it('offline for 10 days: medium risk with the numbers; capture still works', () => {
    const { s, w } = device();
    noteSynced(s.db, w.clock.now().toISOString(), w.clock.now().toISOString(), {});
    w.add(10 * 86_400_000);
    const st = s.governance.status();
    expect(st.risk.level).toBe('medium');
    expect(st.risk.reasons).toEqual([msg('risk.last_sync_over', { days: 10, limit: 7 })]);
    expect(st.freshForSubmit).toBe(false);
    expect(() => s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site })).not.toThrow();
    const check = s.health.run('now').checks.find((c) => c.id === 'governance.risk');
    expect(check).toMatchObject({ status: 'warn' });
    // Health says what the Outbox says: the same summary and allowed actions, submit only when it is.
    expect(check?.messages).toEqual([msg('risk.health.level', { level: 'medium' }), ...st.summary, ...st.allowedSentence]);
    expect(check?.summary).toBe(check?.messages?.map(messageForLog).join(' '));
    expect(check?.figures.allowedNow).toBe(st.allowedNow.join(', '));
    expect(st.allowedNow.includes('submit')).toBe(st.freshForSubmit);
  });

  it('a critical device may still capture but not submit, with the reasons', () => {
    const { s, w } = device();
    noteSynced(s.db, w.clock.now().toISOString(), w.clock.now().toISOString(), {});
    w.add(31 * 86_400_000);
    expect(s.governance.status().risk).toMatchObject({ level: 'critical', allowedActions: expect.not.arrayContaining(['submit', 'draft']) });
    expect(() => s.capture.submit({ contract: REPORT, data: report })).toThrow(/risk\.refused\.risk \{"level":"critical","action":"submit"\}/);
    try {
      s.capture.submit({ contract: REPORT, data: report });
    } catch (e) {
      const reasons = [msg('risk.last_sync_over', { days: 31, limit: 30 })];
      expect((e as { details: unknown }).details).toMatchObject({
        reason: 'risk',
        level: 'critical',
        reasons,
        messages: [msg('risk.refused.risk', { level: 'critical', action: 'submit' }), ...reasons, msg('risk.refused.sync_to_restore')],
      });
    }
    expect(() => s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site })).not.toThrow();
  });

  it('rolling the clock back does not make a stale device fresh', () => {
    const { s, w } = device('2026-11-01T08:00:00.000Z');
    noteSynced(s.db, '2026-11-01T08:00:00.000Z', '2026-11-01T08:00:00.000Z', {});
    w.set('2026-11-20T08:00:00.000Z');
    expect(s.governance.status().risk.level).toBe('high'); // 19 days, seen once
    w.set('2026-11-01T09:00:00.000Z'); // someone sets the laptop's clock back
    const st = s.governance.status();
    expect(st.clockRolledBack).toBe(true);
    expect(st.now).toBe('2026-11-20T08:00:00.000Z');
    expect(st.risk.level).toBe('high');
    expect(() => s.capture.submit({ contract: REPORT, data: report })).toThrow(/risk\.refused\.(risk|stale)/);
  });

  it("the server's flags count locally, offline too: blocked refuses submit with when, why and what to do", async () => {
    const { s, w, d } = device();
    noteSynced(s.db, w.clock.now().toISOString(), w.clock.now().toISOString(), {});
    expect(s.governance.status()).toMatchObject({ server: null, risk: { level: 'low' } });
    const at = w.clock.now().toISOString();
    writeServerStatus(s.db, {
      blocked: true,
      blockedAt: '2026-10-30T15:00:00.000Z',
      blockedReason: 'Lost contact for 8 weeks.',
      updateRequired: false,
      risk: { level: 'critical', reasons: [msg('risk.blocked')] },
      at,
    });
    const st = s.governance.status();
    expect(st.risk).toMatchObject({ level: 'critical', allowedActions: ['read', 'capture', 'sync'] });
    // What the device shows as allowed is the truth: the server refuses a blocked device's sync.
    expect(st.allowedNow).toEqual(['read', 'capture']);
    expect(st.allowedSentence).toEqual([msg('risk.allowed.device.read_capture'), msg('risk.allowed.why.blocked')]);
    const blocked = msg('risk.device_blocked.on_why', { day: '2026-10-30', why: 'Lost contact for 8 weeks' });
    expect(st.risk.reasons).toEqual([blocked]);
    expect(st.server).toMatchObject({ blocked: true, blockedReason: 'Lost contact for 8 weeks.', at });
    const refused = await d('capture.submit', { contract: REPORT, data: report });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        details: {
          reason: 'device_blocked',
          blockedAt: '2026-10-30T15:00:00.000Z',
          reasons: [blocked],
          messages: [blocked, msg('risk.refused.blocked', { action: 'submit' })],
        },
      },
    });
    expect(() => s.capture.submit({ contract: 'field.inspect.site@1.2.0', data: site })).not.toThrow();
    // Without a date or reason (a refusal that did not carry them) the sentence still says what to do.
    writeServerStatus(s.db, { blocked: true, blockedAt: null, blockedReason: null, updateRequired: true, risk: { level: 'critical', reasons: [] }, at });
    expect(s.governance.status().risk.reasons).toEqual([msg('risk.device_blocked.plain'), msg('risk.update_required_device')]);
    writeServerStatus(s.db, { blocked: false, blockedAt: null, blockedReason: null, updateRequired: false, risk: { level: 'low', reasons: [] }, at });
    expect(s.governance.status().risk).toMatchObject({ level: 'low', reasons: [] });
    expect(await d('capture.submit', { contract: REPORT, data: report })).toMatchObject({ ok: true });
  });
});
