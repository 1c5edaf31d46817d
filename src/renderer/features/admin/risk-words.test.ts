// Risk reasons, device states and governance refusals are messages (`risk.*`, decision 0030); this
// checks their English words are exactly the sentences the main process and the server used to send
// (the e2e suite and people's habits read them), and that other languages say something else with
// the same numbers in it.
import { beforeAll, describe, expect, it } from 'vitest';
import { initI18n, i18next } from '../../i18n/index';
import { messageText } from '../../ui/message';
import { msg, type Message } from '../../../shared/messages';
import { DAY_MS, evaluateRisk, type RiskInput } from '../../../shared/risk';
import { blockedMessage } from '../../../shared/risk/device-messages';
import { deviceState, type DeviceStateInput } from '../../../shared/risk/device-state';

const NOW = '2025-06-30T12:00:00.000Z';
const ago = (ms: number) => new Date(Date.parse(NOW) - ms).toISOString();
const text = (ms: readonly Message[]) => ms.map(messageText).join(' ');

// ---- The English the app built before messages as codes (src/shared/risk at decision 0029) ----
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
function formatDays(days: number): string {
  if (Number.isInteger(days)) return plural(days, 'day', 'days');
  const tenths = Math.ceil(days * 10);
  const whole = Math.floor(tenths / 10);
  const frac = tenths - whole * 10;
  return frac === 0 ? plural(whole, 'day', 'days') : `${whole}.${frac} days`;
}
function oldReasons(input: RiskInput): string[] {
  const p = { offlineDays: { medium: 7, high: 14, critical: 30 }, pending: { medium: 50, high: 100 }, deadLetters: { medium: 0, high: 10 } };
  const out: string[] = [];
  if (input.blocked) out.push('Blocked by an administrator');
  const since = input.lastSyncAt ?? input.enrolledAt ?? null;
  if (since === null) out.push('Never synced');
  else {
    const d = Math.max(0, (Date.parse(input.now) - Date.parse(since)) / DAY_MS);
    const t = p.offlineDays;
    const limit = d > t.critical ? t.critical : d > t.high ? t.high : d > t.medium ? t.medium : null;
    if (limit !== null)
      out.push(
        input.lastSyncAt ? `Last sync ${formatDays(d)} ago (more than ${limit})` : `Never synced since enrollment ${formatDays(d)} ago (more than ${limit})`,
      );
  }
  const n = input.pendingCount ?? 0;
  if (n > p.pending.medium) out.push(`${plural(n, 'item', 'items')} waiting to sync (more than ${n > p.pending.high ? p.pending.high : p.pending.medium})`);
  const dl = input.deadLetterCount ?? 0;
  if (dl > p.deadLetters.medium)
    out.push(`${plural(dl, 'dead letter', 'dead letters')} (more than ${dl > p.deadLetters.high ? p.deadLetters.high : p.deadLetters.medium})`);
  for (const [name, v] of Object.entries(input.contractVersions ?? {})) {
    const u = v.split('.').map(Number);
    const w = (input.latestContracts?.[name] ?? v).split('.').map(Number);
    if (u[0]! < w[0]!) out.push(`Contract ${name} ${v} is ${plural(w[0]! - u[0]!, 'major version', 'major versions')} behind the latest ${w.join('.')}`);
    else if (u[0] === w[0] && u[1]! < w[1]!)
      out.push(`Contract ${name} ${v} is ${plural(w[1]! - u[1]!, 'minor version', 'minor versions')} behind the latest ${w.join('.')}`);
  }
  if (input.appVersion && input.latestAppVersion && input.appVersion < input.latestAppVersion)
    out.push(`App version ${input.appVersion} is behind the latest ${input.latestAppVersion}`);
  if (input.updateRequired) out.push('An administrator requires an app update');
  return out;
}
function oldAgo(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} ${min === 1 ? 'minute' : 'minutes'} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} ${h === 1 ? 'hour' : 'hours'} ago`;
  return `${formatDays(ms / DAY_MS)} ago`;
}
const WORDS: Record<string, string> = { read: 'read', capture: 'capture', draft: 'keep drafts', submit: 'submit', sync: 'sync' };
const listWords = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]!}`);
function oldState(input: DeviceStateInput): { summary: string; allowed: string } {
  const s = deviceState(input); // the allowed actions and flags did not change, only the words
  const n = input.pendingCount;
  const queued = n === 0 ? '' : ` ${n} ${n === 1 ? 'item waits' : 'items wait'} to be sent.`;
  const sinceMs = input.lastSyncAt ? Date.parse(input.now) - Date.parse(input.lastSyncAt) : null;
  const summary = input.revoked
    ? `Keys revoked: the device must be enrolled again.${queued}`
    : !input.enrolled
      ? `Not enrolled with a sync server yet: captures stay on this device until it is.${queued}`
      : input.risk.reasons.length
        ? oldReasons({ now: input.now, lastSyncAt: input.lastSyncAt, enrolledAt: ago(DAY_MS), blocked: input.blocked }).join(' ')
        : sinceMs === null
          ? `Enrolled, not synced yet.${queued}`
          : `In sync: last sync ${oldAgo(sinceMs)}.${queued}`;
  const can = `${input.reader === 'admin' ? 'Allowed on the device' : 'Allowed now'}: ${listWords(s.allowed.map((a) => WORDS[a]!))}.`;
  const why = input.revoked
    ? ' Nothing syncs until the device is enrolled again.'
    : input.blocked
      ? ' Nothing syncs until an administrator unblocks the device; its data stays on it.'
      : !input.enrolled
        ? ' Sync starts once the device is enrolled.'
        : !s.freshForSubmit && input.risk.allowedActions.includes('submit')
          ? ` Submitting needs a sync within the last 24 hours.`
          : '';
  return { summary, allowed: can + why };
}

const riskInputs: RiskInput[] = [
  { now: NOW, lastSyncAt: ago(7 * DAY_MS + 1000) },
  { now: NOW, lastSyncAt: ago(57 * DAY_MS) },
  { now: NOW, lastSyncAt: ago(57.05 * DAY_MS) },
  { now: NOW, lastSyncAt: ago(14 * DAY_MS + 1) },
  { now: NOW, lastSyncAt: null, enrolledAt: ago(8 * DAY_MS) },
  { now: NOW, lastSyncAt: null },
  { now: NOW, lastSyncAt: NOW, pendingCount: 51 },
  { now: NOW, lastSyncAt: NOW, pendingCount: 101, deadLetterCount: 1 },
  { now: NOW, lastSyncAt: NOW, deadLetterCount: 11 },
  { now: NOW, lastSyncAt: NOW, contractVersions: { 'lab.record.specimen': '1.4.0' }, latestContracts: { 'lab.record.specimen': '3.0.1' } },
  { now: NOW, lastSyncAt: NOW, contractVersions: { 'field.inspect.site': '1.0.0' }, latestContracts: { 'field.inspect.site': '1.1.0' } },
  { now: NOW, lastSyncAt: NOW, appVersion: '1.3.9', latestAppVersion: '1.4.0' },
  { now: NOW, lastSyncAt: ago(31 * DAY_MS), blocked: true, updateRequired: true },
];

beforeAll(async () => {
  initI18n('en');
  await i18next.changeLanguage('en');
});

describe('risk messages in English: the sentences the app said before', () => {
  it('risk reasons', () => {
    for (const input of riskInputs) {
      const r = evaluateRisk(input);
      expect(r.reasons.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(r.reasons.map(messageText), JSON.stringify(input)).toEqual(oldReasons(input));
    }
  });

  it('device state: summary and allowed sentence, for the device and the admin board', () => {
    const risk = (lastSyncAt: string | null, o: Partial<RiskInput> = {}) => evaluateRisk({ now: NOW, lastSyncAt, enrolledAt: ago(DAY_MS), ...o });
    const states: DeviceStateInput[] = [
      { now: NOW, enrolled: false, lastSyncAt: null, risk: risk(null), pendingCount: 2 },
      { now: NOW, enrolled: true, lastSyncAt: null, risk: risk(null), pendingCount: 0 },
      { now: NOW, enrolled: true, lastSyncAt: ago(20_000), risk: risk(ago(20_000)), pendingCount: 1 },
      { now: NOW, enrolled: true, lastSyncAt: ago(60_000), risk: risk(ago(60_000)), pendingCount: 0 },
      { now: NOW, enrolled: true, lastSyncAt: ago(25 * 60_000), risk: risk(ago(25 * 60_000)), pendingCount: 12 },
      { now: NOW, enrolled: true, lastSyncAt: ago(3_600_000), risk: risk(ago(3_600_000)), pendingCount: 0 },
      { now: NOW, enrolled: true, lastSyncAt: ago(30 * 3_600_000), risk: risk(ago(30 * 3_600_000)), pendingCount: 3 },
      { now: NOW, enrolled: true, lastSyncAt: ago(2.5 * DAY_MS), risk: risk(ago(2.5 * DAY_MS)), pendingCount: 0, reader: 'admin' },
      { now: NOW, enrolled: true, lastSyncAt: ago(2 * DAY_MS), risk: risk(ago(2 * DAY_MS)), pendingCount: 1, revoked: true, reader: 'admin' },
      { now: NOW, enrolled: true, lastSyncAt: ago(3_600_000), risk: risk(ago(3_600_000), { blocked: true }), pendingCount: 0, blocked: true },
      { now: NOW, enrolled: true, lastSyncAt: ago(57 * DAY_MS), risk: risk(ago(57 * DAY_MS)), pendingCount: 0, reader: 'admin' },
      { now: NOW, enrolled: true, lastSyncAt: ago(20 * DAY_MS), risk: risk(ago(20 * DAY_MS)), pendingCount: 0 },
    ];
    for (const input of states) {
      const s = deviceState(input);
      const want = oldState(input);
      expect(text(s.summary), JSON.stringify(input)).toBe(want.summary);
      expect(text(s.allowedSentence), JSON.stringify(input)).toBe(want.allowed);
    }
  });

  it('what a blocked or update-required device tells its user, and the refusals', () => {
    expect(messageText(blockedMessage({ blockedAt: '2026-10-30T15:00:00.000Z', blockedReason: 'Lost contact for 8 weeks.' }))).toBe(
      'This device was blocked by an administrator on 2026-10-30: Lost contact for 8 weeks. Contact your admin; your data stays on this device.',
    );
    expect(messageText(blockedMessage({ blockedAt: null, blockedReason: ' ' }))).toBe(
      'This device was blocked by an administrator. Contact your admin; your data stays on this device.',
    );
    expect(messageText(blockedMessage({ blockedAt: '2026-10-30T15:00:00.000Z', blockedReason: null }))).toBe(
      'This device was blocked by an administrator on 2026-10-30. Contact your admin; your data stays on this device.',
    );
    expect(messageText(blockedMessage({ blockedAt: null, blockedReason: 'Stolen' }))).toBe(
      'This device was blocked by an administrator: Stolen. Contact your admin; your data stays on this device.',
    );
    expect(messageText(msg('risk.update_required_device'))).toBe('An administrator requires an app update: install the latest version of Maestro, then sync.');
    expect(messageText(msg('risk.refused.blocked', { action: 'submit' }))).toBe('Until it is unblocked you can capture, but not submit.');
    expect(text([msg('risk.refused.risk', { level: 'critical', action: 'draft' }), msg('risk.never_synced'), msg('risk.refused.sync_to_restore')])).toBe(
      "This device's risk is critical: draft is not allowed. Never synced Sync to bring it back.",
    );
    expect(messageText(msg('risk.refused.stale', { count: 1, days: 1.1, hours: 24 }))).toBe(
      'Sync to submit: 1 item pending, last sync 1.1 days ago. A submission needs a sync within the last 24 hours.',
    );
    expect(messageText(msg('risk.refused.stale_never', { count: 3, hours: 24 }))).toBe(
      'Sync to submit: 3 items pending, never synced. A submission needs a sync within the last 24 hours.',
    );
    expect(text([msg('risk.health.level', { level: 'medium' }), msg('risk.state.not_synced')])).toBe('Risk medium: Enrolled, not synced yet.');
    // A reason from a server before messages as codes shows as it was sent.
    expect(messageText(msg('risk.text', { text: 'Last sync 9 days ago (more than 7)' }))).toBe('Last sync 9 days ago (more than 7)');
  });
});

describe('risk messages in other languages', () => {
  const samples: [Message, number[]][] = [
    [msg('risk.last_sync_over', { days: 57.1, limit: 30 }), [57.1, 30]],
    [msg('risk.enrolled_over', { days: 12, limit: 7 }), [12, 7]],
    [msg('risk.pending_over', { count: 151, limit: 100 }), [151, 100]],
    [msg('risk.dead_letters_over', { count: 12, limit: 10 }), [12, 10]],
    [msg('risk.contract_major_behind', { name: 'lab.record.specimen', version: '1.4.0', latest: '3.0.1', n: 2 }), []],
    [msg('risk.state.queued', { count: 13 }), [13]],
    [msg('risk.state.in_sync.days', { days: 2.5 }), [2.5]],
    [msg('risk.refused.stale', { count: 13, days: 3.2, hours: 24 }), [13, 3.2, 24]],
    [msg('risk.allowed.device.read_capture_draft_sync'), []],
  ];

  for (const lng of ['sv', 'ar'] as const) {
    it(`${lng}: different words, the same numbers (in ${lng} digits and separators)`, async () => {
      await i18next.changeLanguage('en');
      const english = samples.map(([m]) => messageText(m));
      await i18next.changeLanguage(lng);
      try {
        samples.forEach(([m, numbers], i) => {
          const words = messageText(m);
          expect(words, m.code).not.toBe(english[i]);
          expect(words, m.code).not.toContain(m.code); // has words, not the code
          for (const n of numbers) expect(words, m.code).toContain(new Intl.NumberFormat(lng).format(n));
          if (m.params?.latest) expect(words).toContain(m.params.latest);
        });
      } finally {
        await i18next.changeLanguage('en');
      }
    });
  }
});
