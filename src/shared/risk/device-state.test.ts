import { describe, expect, it } from 'vitest';
import { evaluateRisk } from './index';
import { ago, boardDeviceState, deviceState, listWords } from './device-state';

const now = '2026-12-06T12:00:00.000Z';
const hoursAgo = (h: number) => new Date(Date.parse(now) - h * 3_600_000).toISOString();
const risk = (o: Partial<Parameters<typeof evaluateRisk>[0]> = {}) => evaluateRisk({ now, lastSyncAt: null, enrolledAt: hoursAgo(1), ...o });

describe('deviceState: one word on a device for the Outbox, Health and the admin board', () => {
  it('never says "in sync" for a device that never enrolled, and allows neither sync nor submit', () => {
    const s = deviceState({ now, enrolled: false, lastSyncAt: null, risk: risk(), pendingCount: 2 });
    expect(s.summary).toBe('Not enrolled with a sync server yet: captures stay on this device until it is. 2 items wait to be sent.');
    expect(s.summary).not.toMatch(/in sync/i);
    expect(s.allowed).toEqual(['read', 'capture', 'draft']);
    expect(s.allowedSentence).toBe('Allowed now: read, capture and keep drafts. Sync starts once the device is enrolled.');
    expect(s).toMatchObject({ enrolled: false, synced: 'never', freshForSubmit: false });
  });

  it('a blocked device lists neither sync nor submit, and says why', () => {
    const r = risk({ lastSyncAt: hoursAgo(2), blocked: true });
    expect(r.allowedActions).toContain('sync'); // the calculator keeps sync so a device can recover …
    const s = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(2), risk: r, pendingCount: 0, blocked: true });
    expect(s.allowed).toEqual(['read', 'capture']); // … but the server refuses a blocked device
    expect(s.allowedSentence).toBe('Allowed now: read and capture. Nothing syncs until an administrator unblocks the device; its data stays on it.');
    expect(s.summary).toBe('Blocked by an administrator');
    expect(s.freshForSubmit).toBe(false);
  });

  it('a revoked device must be enrolled again', () => {
    const s = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(2), risk: risk({ lastSyncAt: hoursAgo(2) }), pendingCount: 1, revoked: true });
    expect(s.summary).toBe('Keys revoked: the device must be enrolled again. 1 item waits to be sent.');
    expect(s.allowed).toEqual(['read', 'capture', 'draft']);
  });

  it('enrolled and fresh: in sync, everything allowed; stale past the submit window: no submit, with the reason', () => {
    const fresh = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(3), risk: risk({ lastSyncAt: hoursAgo(3) }), pendingCount: 1 });
    expect(fresh.summary).toBe('In sync: last sync 3 hours ago. 1 item waits to be sent.');
    expect(fresh.allowed).toEqual(['read', 'capture', 'draft', 'submit', 'sync']);
    expect(fresh).toMatchObject({ synced: 'fresh', freshForSubmit: true });
    const stale = deviceState({ now, enrolled: true, lastSyncAt: hoursAgo(30), risk: risk({ lastSyncAt: hoursAgo(30) }), pendingCount: 0 });
    expect(stale.allowed).toEqual(['read', 'capture', 'draft', 'sync']);
    expect(stale.allowedSentence).toBe('Allowed now: read, capture, keep drafts and sync. Submitting needs a sync within the last 24 hours.');
    expect(stale).toMatchObject({ synced: 'stale', freshForSubmit: false });
  });

  it('enrolled, never synced: says so instead of "up to date"', () => {
    const s = deviceState({ now, enrolled: true, lastSyncAt: null, risk: risk(), pendingCount: 0 });
    expect(s.summary).toBe('Enrolled, not synced yet.');
    expect(s.allowed).not.toContain('submit');
  });

  it('risk reasons lead the summary', () => {
    const last = hoursAgo(24 * 57);
    const s = deviceState({ now, enrolled: true, lastSyncAt: last, risk: risk({ lastSyncAt: last }), pendingCount: 0 });
    expect(s.level).toBe('critical');
    expect(s.summary).toBe('Last sync 57 days ago (more than 30)');
    expect(s.allowed).toEqual(['read', 'capture', 'sync']);
  });

  it('the admin board reads the same function: enrolled, with the server flags', () => {
    const r = risk({ lastSyncAt: hoursAgo(1), blocked: true });
    const s = boardDeviceState({ lastSyncAt: hoursAgo(1), pendingCount: 0, blocked: true, revoked: false, risk: r }, now);
    expect(s.allowed).toEqual(['read', 'capture']);
    expect(s.allowedSentence).toMatch(/^Allowed on the device: read and capture\. Nothing syncs until an administrator unblocks/);
    expect(s.enrolled).toBe(true);
    const never = boardDeviceState({ lastSyncAt: null, pendingCount: 0, blocked: false, revoked: false, risk: risk() }, now);
    expect(never.summary).toBe('Enrolled, not synced yet.');
  });

  it('words: lists and times', () => {
    expect(listWords([])).toBe('');
    expect(listWords(['a'])).toBe('a');
    expect(listWords(['a', 'b', 'c'])).toBe('a, b and c');
    expect(ago(30_000)).toBe('just now');
    expect(ago(60_000)).toBe('1 minute ago');
    expect(ago(3 * 86_400_000)).toBe('3 days ago');
  });
});
