import { describe, expect, it } from 'vitest';
import { msg } from '../messages';
import { evaluateRisk } from './index';
import { boardDeviceState, deviceState } from './device-state';

const now = '2026-12-06T12:00:00.000Z';
const hoursAgo = (h: number) => new Date(Date.parse(now) - h * 3_600_000).toISOString();
const risk = (o: Partial<Parameters<typeof evaluateRisk>[0]> = {}) => evaluateRisk({ now, lastSyncAt: null, enrolledAt: hoursAgo(1), ...o });

describe('deviceState: one word on a device for the Outbox, Health and the admin board', () => {
  it('never says "in sync" for a device that never enrolled, and allows neither sync nor submit', () => {
    const s = deviceState({ now, enrolled: false, lastSyncAt: null, risk: risk(), pendingCount: 2 });
    expect(s.summary).toEqual([msg('risk.state.not_enrolled'), msg('risk.state.queued', { count: 2 })]);
    expect(s.allowed).toEqual(['read', 'capture', 'draft']);
    expect(s.allowedSentence).toEqual([msg('risk.allowed.device.read_capture_draft'), msg('risk.allowed.why.not_enrolled')]);
    expect(s).toMatchObject({ enrolled: false, synced: 'never', freshForSubmit: false });
  });

  it('a blocked device lists neither sync nor submit, and says why', () => {
    const r = risk({ lastSyncAt: hoursAgo(2), blocked: true });
    expect(r.allowedActions).toContain('sync'); // the calculator keeps sync so a device can recover …
    const s = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(2), risk: r, pendingCount: 0, blocked: true });
    expect(s.allowed).toEqual(['read', 'capture']); // … but the server refuses a blocked device
    expect(s.allowedSentence).toEqual([msg('risk.allowed.device.read_capture'), msg('risk.allowed.why.blocked')]);
    expect(s.summary).toEqual([msg('risk.blocked')]);
    expect(s.freshForSubmit).toBe(false);
  });

  it('a revoked device must be enrolled again', () => {
    const s = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(2), risk: risk({ lastSyncAt: hoursAgo(2) }), pendingCount: 1, revoked: true });
    expect(s.summary).toEqual([msg('risk.state.revoked'), msg('risk.state.queued', { count: 1 })]);
    expect(s.allowed).toEqual(['read', 'capture', 'draft']);
    expect(s.allowedSentence).toEqual([msg('risk.allowed.device.read_capture_draft'), msg('risk.allowed.why.revoked')]);
  });

  it('enrolled and fresh: in sync, everything allowed; stale past the submit window: no submit, with the reason', () => {
    const fresh = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(3), risk: risk({ lastSyncAt: hoursAgo(3) }), pendingCount: 1 });
    expect(fresh.summary).toEqual([msg('risk.state.in_sync.hours', { n: 3 }), msg('risk.state.queued', { count: 1 })]);
    expect(fresh.allowed).toEqual(['read', 'capture', 'draft', 'submit', 'sync']);
    expect(fresh.allowedSentence).toEqual([msg('risk.allowed.device.read_capture_draft_submit_sync')]);
    expect(fresh).toMatchObject({ synced: 'fresh', freshForSubmit: true });
    const stale = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(30), risk: risk({ lastSyncAt: hoursAgo(30) }), pendingCount: 0 });
    expect(stale.allowed).toEqual(['read', 'capture', 'draft', 'sync']);
    expect(stale.allowedSentence).toEqual([msg('risk.allowed.device.read_capture_draft_sync'), msg('risk.allowed.why.stale', { hours: 24 })]);
    expect(stale).toMatchObject({ synced: 'stale', freshForSubmit: false });
  });

  it('in sync: just now, minutes, hours under two days, then days (rounded up to a tenth)', () => {
    const at = (ms: number) =>
      deviceState({ now, enrolled: true, lastSyncAt: new Date(Date.parse(now) - ms).toISOString(), risk: risk({ lastSyncAt: now }), pendingCount: 0 }).summary;
    expect(at(30_000)).toEqual([msg('risk.state.in_sync.now')]);
    expect(at(60_000)).toEqual([msg('risk.state.in_sync.minutes', { n: 1 })]);
    expect(at(47 * 3_600_000 + 3_599_000)).toEqual([msg('risk.state.in_sync.hours', { n: 47 })]);
    expect(at(2.55 * 86_400_000)).toEqual([msg('risk.state.in_sync.days', { days: 2.6 })]);
  });

  it('enrolled, never synced: says so instead of "up to date"', () => {
    const s = deviceState({ now, enrolled: true, lastSyncAt: null, risk: risk(), pendingCount: 0 });
    expect(s.summary).toEqual([msg('risk.state.not_synced')]);
    expect(s.allowed).not.toContain('submit');
  });

  it('risk reasons lead the summary', () => {
    const last = hoursAgo(24 * 57);
    const s = deviceState({ now, enrolled: true, lastSyncAt: last, risk: risk({ lastSyncAt: last }), pendingCount: 0 });
    expect(s.level).toBe('critical');
    expect(s.summary).toEqual([msg('risk.last_sync_over', { days: 57, limit: 30 })]);
    expect(s.allowed).toEqual(['read', 'capture', 'sync']);
    expect(s.allowedSentence).toEqual([msg('risk.allowed.device.read_capture_sync')]);
  });

  it('the admin board reads the same function: enrolled, with the server flags', () => {
    const r = risk({ lastSyncAt: hoursAgo(1), blocked: true });
    const s = boardDeviceState({ lastSyncAt: hoursAgo(1), pendingCount: 0, blocked: true, revoked: false, risk: r }, now);
    expect(s.allowed).toEqual(['read', 'capture']);
    expect(s.allowedSentence).toEqual([msg('risk.allowed.admin.read_capture'), msg('risk.allowed.why.blocked')]);
    expect(s.enrolled).toBe(true);
    const never = boardDeviceState({ lastSyncAt: null, pendingCount: 0, blocked: false, revoked: false, risk: risk() }, now);
    expect(never.summary).toEqual([msg('risk.state.not_synced')]);
  });

  it('allowed actions are named in their fixed order, whatever order a server listed them in', () => {
    const r = { level: 'high' as const, reasons: [], allowedActions: ['sync' as const, 'capture' as const, 'read' as const] };
    const s = boardDeviceState({ lastSyncAt: hoursAgo(1), pendingCount: 0, blocked: false, revoked: false, risk: r }, now);
    expect(s.allowedSentence).toEqual([msg('risk.allowed.admin.read_capture_sync')]);
  });
});
