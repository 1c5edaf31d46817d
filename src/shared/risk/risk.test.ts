import { describe, expect, it } from 'vitest';
import { DAY_MS, DEFAULT_RISK_POLICY, allowedActionsFor, evaluateRisk, policyProblems, type RiskInput, type RiskLevel, type RiskPolicy } from './index';

const NOW = '2025-06-30T12:00:00.000Z';
const ago = (ms: number): string => new Date(Date.parse(NOW) - ms).toISOString();
const base: RiskInput = { now: NOW, lastSyncAt: NOW, pendingCount: 0, deadLetterCount: 0 };

describe('evaluateRisk', () => {
  const cases: [string, Partial<RiskInput>, RiskLevel, RegExp | null][] = [
    ['synced just now', {}, 'low', null],
    ['offline exactly 7 days', { lastSyncAt: ago(7 * DAY_MS) }, 'low', null],
    ['offline 7 days + 1 s', { lastSyncAt: ago(7 * DAY_MS + 1000) }, 'medium', /^Last sync 7\.1 days ago \(more than 7\)$/],
    ['offline 10 days', { lastSyncAt: ago(10 * DAY_MS) }, 'medium', /^Last sync 10 days ago \(more than 7\)$/],
    ['offline exactly 14 days', { lastSyncAt: ago(14 * DAY_MS) }, 'medium', /14 days ago \(more than 7\)/],
    ['offline 14 days + 1 s', { lastSyncAt: ago(14 * DAY_MS + 1000) }, 'high', /14\.1 days ago \(more than 14\)/],
    ['offline exactly 30 days', { lastSyncAt: ago(30 * DAY_MS) }, 'high', /30 days ago \(more than 14\)/],
    ['offline 30 days + 1 s', { lastSyncAt: ago(30 * DAY_MS + 1000) }, 'critical', /30\.1 days ago \(more than 30\)/],
    ['never synced, enrolled 3 days ago', { lastSyncAt: null, enrolledAt: ago(3 * DAY_MS) }, 'low', null],
    ['never synced, enrolled 8 days ago', { lastSyncAt: null, enrolledAt: ago(8 * DAY_MS) }, 'medium', /^Never synced since enrollment 8 days ago \(more than 7\)$/],
    ['never synced, no enrollment time', { lastSyncAt: null }, 'critical', /^Never synced$/],
    ['pending 50', { pendingCount: 50 }, 'low', null],
    ['pending 51', { pendingCount: 51 }, 'medium', /^51 items waiting to sync \(more than 50\)$/],
    ['pending 100', { pendingCount: 100 }, 'medium', /^100 items waiting to sync \(more than 50\)$/],
    ['pending 101', { pendingCount: 101 }, 'high', /^101 items waiting to sync \(more than 100\)$/],
    ['dead letters 0', { deadLetterCount: 0 }, 'low', null],
    ['dead letters 1', { deadLetterCount: 1 }, 'medium', /^1 dead letter \(more than 0\)$/],
    ['dead letters 10', { deadLetterCount: 10 }, 'medium', /^10 dead letters \(more than 0\)$/],
    ['dead letters 11', { deadLetterCount: 11 }, 'high', /^11 dead letters \(more than 10\)$/],
    [
      'contract a major version behind',
      { contractVersions: { 'lab.record.specimen': '1.4.0' }, latestContracts: { 'lab.record.specimen': '2.0.1' } },
      'critical',
      /^Contract lab\.record\.specimen 1\.4\.0 is 1 major version behind the latest 2\.0\.1$/,
    ],
    [
      'contract a minor version behind',
      { contractVersions: { 'field.inspect.site': '1.0.0' }, latestContracts: { 'field.inspect.site': '1.2.0' } },
      'medium',
      /^Contract field\.inspect\.site 1\.0\.0 is 2 minor versions behind the latest 1\.2\.0$/,
    ],
    ['contract only a patch behind', { contractVersions: { 'a.b.c': '1.2.0' }, latestContracts: { 'a.b.c': '1.2.5' } }, 'low', null],
    ['contract unknown to the server', { contractVersions: { 'a.b.c': '1.2.0' }, latestContracts: {} }, 'low', null],
    ['contract ahead of the server', { contractVersions: { 'a.b.c': '3.0.0' }, latestContracts: { 'a.b.c': '2.0.0' } }, 'low', null],
    ['app version behind', { appVersion: '1.3.9', latestAppVersion: '1.4.0' }, 'medium', /^App version 1\.3\.9 is behind the latest 1\.4\.0$/],
    ['app version current', { appVersion: '1.4.0', latestAppVersion: '1.4.0' }, 'low', null],
    ['app version unparsable', { appVersion: 'dev', latestAppVersion: '1.4.0' }, 'low', null],
    ['update required', { updateRequired: true }, 'high', /^An administrator requires an app update$/],
    ['blocked', { blocked: true }, 'critical', /^Blocked by an administrator$/],
  ];
  for (const [name, over, level, reason] of cases) {
    it(`${name} → ${level}`, () => {
      const r = evaluateRisk({ ...base, ...over });
      expect(r.level).toBe(level);
      expect(r.allowedActions).toEqual(allowedActionsFor(level));
      if (reason) expect(r.reasons).toEqual([expect.stringMatching(reason)]);
      else expect(r.reasons).toEqual([]);
    });
  }

  const combos: [string, Partial<RiskInput>, RiskLevel, number][] = [
    ['medium offline + high pending → high', { lastSyncAt: ago(8 * DAY_MS), pendingCount: 101 }, 'high', 2],
    ['medium dead letters + minor contract → medium', { deadLetterCount: 2, contractVersions: { 'a.b.c': '1.0.0' }, latestContracts: { 'a.b.c': '1.1.0' } }, 'medium', 2],
    ['update required + blocked → critical', { updateRequired: true, blocked: true }, 'critical', 2],
    ['high offline + major contract → critical', { lastSyncAt: ago(20 * DAY_MS), contractVersions: { 'a.b.c': '1.0.0' }, latestContracts: { 'a.b.c': '2.0.0' } }, 'critical', 2],
    ['everything medium → medium', { lastSyncAt: ago(8 * DAY_MS), pendingCount: 60, deadLetterCount: 1, appVersion: '1.0.0', latestAppVersion: '1.1.0' }, 'medium', 4],
  ];
  for (const [name, over, level, n] of combos) {
    it(`combination: ${name}`, () => {
      const r = evaluateRisk({ ...base, ...over });
      expect(r.level).toBe(level);
      expect(r.reasons).toHaveLength(n);
    });
  }

  it('allowed actions per level: sync always allowed', () => {
    expect(allowedActionsFor('low')).toEqual(['read', 'capture', 'draft', 'submit', 'sync']);
    expect(allowedActionsFor('medium')).toEqual(['read', 'capture', 'draft', 'submit', 'sync']);
    expect(allowedActionsFor('high')).toEqual(['read', 'capture', 'draft', 'sync']);
    expect(allowedActionsFor('critical')).toEqual(['read', 'capture', 'sync']);
  });

  it('a custom policy moves the boundaries', () => {
    const strict: RiskPolicy = { offlineDays: { medium: 1, high: 2, critical: 3 }, pending: { medium: 5, high: 10 }, deadLetters: { medium: 2, high: 4 } };
    expect(evaluateRisk({ ...base, lastSyncAt: ago(2 * DAY_MS + 1) }, strict)).toMatchObject({ level: 'high', reasons: [expect.stringContaining('(more than 2)')] });
    expect(evaluateRisk({ ...base, pendingCount: 6 }, strict).level).toBe('medium');
    expect(evaluateRisk({ ...base, deadLetterCount: 2 }, strict).level).toBe('low');
    expect(evaluateRisk({ ...base, lastSyncAt: ago(8 * DAY_MS) }, DEFAULT_RISK_POLICY).level).toBe('medium');
  });

  it('policyProblems flags tiers out of order', () => {
    expect(policyProblems(DEFAULT_RISK_POLICY)).toEqual([]);
    expect(policyProblems({ ...DEFAULT_RISK_POLICY, offlineDays: { medium: 10, high: 5, critical: 30 }, pending: { medium: 9, high: 1 } })).toHaveLength(2);
  });
});
