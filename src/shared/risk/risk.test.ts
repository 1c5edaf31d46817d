import { describe, expect, it } from 'vitest';
import { msg, type Message } from '../messages';
import { compileSchema } from '../validation';
import {
  DAY_MS,
  DEFAULT_RISK_POLICY,
  RISK_LEVELS,
  allowedActionsFor,
  evaluateRisk,
  parseIsoMs,
  parseVersion,
  policyProblems,
  riskReasonsFromWire,
  riskResultWireSchema,
  roundDays,
  versionLevel,
  versionRisk,
  type RiskInput,
  type RiskLevel,
  type RiskPolicy,
  type RiskResult,
} from './index';

const NOW = '2025-06-30T12:00:00.000Z';
const ago = (ms: number): string => new Date(Date.parse(NOW) - ms).toISOString();
const base: RiskInput = { now: NOW, lastSyncAt: NOW, pendingCount: 0, deadLetterCount: 0 };

describe('evaluateRisk', () => {
  const cases: [string, Partial<RiskInput>, RiskLevel, Message | null][] = [
    ['synced just now', {}, 'low', null],
    ['offline exactly 7 days', { lastSyncAt: ago(7 * DAY_MS) }, 'low', null],
    ['offline 7 days + 1 s', { lastSyncAt: ago(7 * DAY_MS + 1000) }, 'medium', msg('risk.last_sync_over', { days: 7.1, limit: 7 })],
    ['offline 10 days', { lastSyncAt: ago(10 * DAY_MS) }, 'medium', msg('risk.last_sync_over', { days: 10, limit: 7 })],
    ['offline exactly 14 days', { lastSyncAt: ago(14 * DAY_MS) }, 'medium', msg('risk.last_sync_over', { days: 14, limit: 7 })],
    ['offline 14 days + 1 s', { lastSyncAt: ago(14 * DAY_MS + 1000) }, 'high', msg('risk.last_sync_over', { days: 14.1, limit: 14 })],
    ['offline exactly 30 days', { lastSyncAt: ago(30 * DAY_MS) }, 'high', msg('risk.last_sync_over', { days: 30, limit: 14 })],
    ['offline 30 days + 1 s', { lastSyncAt: ago(30 * DAY_MS + 1000) }, 'critical', msg('risk.last_sync_over', { days: 30.1, limit: 30 })],
    ['never synced, enrolled 3 days ago', { lastSyncAt: null, enrolledAt: ago(3 * DAY_MS) }, 'low', null],
    ['never synced, enrolled 8 days ago', { lastSyncAt: null, enrolledAt: ago(8 * DAY_MS) }, 'medium', msg('risk.enrolled_over', { days: 8, limit: 7 })],
    ['never synced, no enrollment time', { lastSyncAt: null }, 'critical', msg('risk.never_synced')],
    ['pending 50', { pendingCount: 50 }, 'low', null],
    ['pending 51', { pendingCount: 51 }, 'medium', msg('risk.pending_over', { count: 51, limit: 50 })],
    ['pending 100', { pendingCount: 100 }, 'medium', msg('risk.pending_over', { count: 100, limit: 50 })],
    ['pending 101', { pendingCount: 101 }, 'high', msg('risk.pending_over', { count: 101, limit: 100 })],
    ['dead letters 0', { deadLetterCount: 0 }, 'low', null],
    ['dead letters 1', { deadLetterCount: 1 }, 'medium', msg('risk.dead_letters_over', { count: 1, limit: 0 })],
    ['dead letters 10', { deadLetterCount: 10 }, 'medium', msg('risk.dead_letters_over', { count: 10, limit: 0 })],
    ['dead letters 11', { deadLetterCount: 11 }, 'high', msg('risk.dead_letters_over', { count: 11, limit: 10 })],
    [
      'contract a major version behind',
      { contractVersions: { 'lab.record.specimen': '1.4.0' }, latestContracts: { 'lab.record.specimen': '2.0.1' } },
      'critical',
      msg('risk.contract_major_behind', { name: 'lab.record.specimen', version: '1.4.0', latest: '2.0.1', n: 1 }),
    ],
    [
      'contract a minor version behind',
      { contractVersions: { 'field.inspect.site': '1.0.0' }, latestContracts: { 'field.inspect.site': '1.2.0' } },
      'medium',
      msg('risk.contract_minor_behind', { name: 'field.inspect.site', version: '1.0.0', latest: '1.2.0', n: 2 }),
    ],
    ['contract only a patch behind', { contractVersions: { 'a.b.c': '1.2.0' }, latestContracts: { 'a.b.c': '1.2.5' } }, 'low', null],
    ['contract unknown to the server', { contractVersions: { 'a.b.c': '1.2.0' }, latestContracts: {} }, 'low', null],
    ['contract ahead of the server', { contractVersions: { 'a.b.c': '3.0.0' }, latestContracts: { 'a.b.c': '2.0.0' } }, 'low', null],
    ['app version behind', { appVersion: '1.3.9', latestAppVersion: '1.4.0' }, 'medium', msg('risk.app_behind', { version: '1.3.9', latest: '1.4.0' })],
    ['app version current', { appVersion: '1.4.0', latestAppVersion: '1.4.0' }, 'low', null],
    ['app version unparsable', { appVersion: 'dev', latestAppVersion: '1.4.0' }, 'low', null],
    ['update required', { updateRequired: true }, 'high', msg('risk.update_required')],
    ['blocked', { blocked: true }, 'critical', msg('risk.blocked')],
  ];
  for (const [name, over, level, reason] of cases) {
    it(`${name} → ${level}`, () => {
      const r = evaluateRisk({ ...base, ...over });
      expect(r.level).toBe(level);
      expect(r.allowedActions).toEqual(allowedActionsFor(level));
      expect(r.reasons).toEqual(reason ? [reason] : []);
    });
  }

  const combos: [string, Partial<RiskInput>, RiskLevel, number][] = [
    ['medium offline + high pending → high', { lastSyncAt: ago(8 * DAY_MS), pendingCount: 101 }, 'high', 2],
    [
      'medium dead letters + minor contract → medium',
      { deadLetterCount: 2, contractVersions: { 'a.b.c': '1.0.0' }, latestContracts: { 'a.b.c': '1.1.0' } },
      'medium',
      2,
    ],
    ['update required + blocked → critical', { updateRequired: true, blocked: true }, 'critical', 2],
    [
      'high offline + major contract → critical',
      { lastSyncAt: ago(20 * DAY_MS), contractVersions: { 'a.b.c': '1.0.0' }, latestContracts: { 'a.b.c': '2.0.0' } },
      'critical',
      2,
    ],
    [
      'everything medium → medium',
      { lastSyncAt: ago(8 * DAY_MS), pendingCount: 60, deadLetterCount: 1, appVersion: '1.0.0', latestAppVersion: '1.1.0' },
      'medium',
      4,
    ],
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
    expect(evaluateRisk({ ...base, lastSyncAt: ago(2 * DAY_MS + 1) }, strict)).toMatchObject({
      level: 'high',
      reasons: [msg('risk.last_sync_over', { days: 2.1, limit: 2 })],
    });
    expect(evaluateRisk({ ...base, pendingCount: 6 }, strict).level).toBe('medium');
    expect(evaluateRisk({ ...base, deadLetterCount: 2 }, strict).level).toBe('low');
    expect(evaluateRisk({ ...base, lastSyncAt: ago(8 * DAY_MS) }, DEFAULT_RISK_POLICY).level).toBe('medium');
  });

  it('policyProblems flags tiers out of order', () => {
    expect(policyProblems(DEFAULT_RISK_POLICY)).toEqual([]);
    expect(policyProblems({ ...DEFAULT_RISK_POLICY, offlineDays: { medium: 10, high: 5, critical: 30 }, pending: { medium: 9, high: 1 } })).toHaveLength(2);
  });

  it('contract reasons come in name order whatever the key order (sorted after the one pass)', () => {
    const latestContracts = { 'a.x': '2.0.0', 'b.x': '1.5.0', 'c.x': '3.0.0', 'd.x': '1.0.0' };
    const want = [
      msg('risk.contract_major_behind', { name: 'a.x', version: '1.0.0', latest: '2.0.0', n: 1 }),
      msg('risk.contract_minor_behind', { name: 'b.x', version: '1.2.0', latest: '1.5.0', n: 3 }),
      msg('risk.contract_major_behind', { name: 'c.x', version: '1.9.9', latest: '3.0.0', n: 2 }),
    ];
    const orders = [
      ['c.x', 'd.x', 'b.x', 'a.x'],
      ['b.x', 'a.x', 'c.x', 'd.x'],
      ['a.x', 'b.x', 'c.x', 'd.x'],
      ['d.x', 'c.x', 'b.x', 'a.x'],
    ];
    const used: Record<string, string> = { 'a.x': '1.0.0', 'b.x': '1.2.0', 'c.x': 'v1.9.9', 'd.x': '1.0.0' };
    for (const order of orders) {
      const contractVersions = Object.fromEntries(order.map((k) => [k, used[k]!]));
      const r = evaluateRisk({ ...base, contractVersions, latestContracts });
      expect(r.reasons, order.join()).toEqual(want);
      expect(r.level).toBe('critical');
      expect(versionRisk({ contractVersions, latestContracts }).reasons).toEqual(want);
      expect(versionLevel({ contractVersions, latestContracts })).toBe('critical');
    }
  });

  it('allowed actions of a result are those of its level, a fresh array each time', () => {
    for (const [lastSyncAt, level] of [
      [NOW, 'low'],
      [ago(8 * DAY_MS), 'medium'],
      [ago(15 * DAY_MS), 'high'],
      [ago(31 * DAY_MS), 'critical'],
    ] as const) {
      const a = evaluateRisk({ ...base, lastSyncAt });
      expect(a.level).toBe(level);
      expect(a.allowedActions).toEqual(allowedActionsFor(level));
      a.allowedActions.push('submit');
      expect(evaluateRisk({ ...base, lastSyncAt }).allowedActions).toEqual(allowedActionsFor(level));
    }
  });
});

// The rules stated plainly (the calculator as first written, before it was tuned for speed: Date.parse,
// level names, every version parsed). The tuned evaluateRisk must agree with it exactly.
function plainEvaluate(input: RiskInput, policy: RiskPolicy = DEFAULT_RISK_POLICY): RiskResult {
  let level = 0;
  const reasons: Message[] = [];
  const raise = (l: number, reason: Message) => {
    level = Math.max(level, l);
    reasons.push(reason);
  };
  const days = (d: number) => (Number.isInteger(d) ? d : Math.ceil(d * 10) / 10);
  const tier = (n: number, t: { medium: number; high: number }) => (n > t.high ? 2 : n > t.medium ? 1 : 0);
  if (input.blocked) raise(3, msg('risk.blocked'));
  const since = input.lastSyncAt ?? input.enrolledAt ?? null;
  if (since === null) raise(3, msg('risk.never_synced'));
  else {
    const d = Math.max(0, (Date.parse(input.now) - Date.parse(since)) / DAY_MS);
    const t = policy.offlineDays;
    const l = d > t.critical ? 3 : d > t.high ? 2 : d > t.medium ? 1 : 0;
    const limit = [0, t.medium, t.high, t.critical][l];
    if (l > 0) raise(l, msg(input.lastSyncAt ? 'risk.last_sync_over' : 'risk.enrolled_over', { days: days(d), limit: limit! }));
  }
  const p = input.pendingCount ?? 0;
  const pl = tier(p, policy.pending);
  if (pl > 0) raise(pl, msg('risk.pending_over', { count: p, limit: pl === 2 ? policy.pending.high : policy.pending.medium }));
  const dd = input.deadLetterCount ?? 0;
  const dl = tier(dd, policy.deadLetters);
  if (dl > 0) raise(dl, msg('risk.dead_letters_over', { count: dd, limit: dl === 2 ? policy.deadLetters.high : policy.deadLetters.medium }));
  const latest = input.latestContracts ?? {};
  for (const name of Object.keys(input.contractVersions ?? {}).sort()) {
    const u = parseVersion(input.contractVersions?.[name]);
    const w = parseVersion(latest[name]);
    if (!u || !w) continue;
    if (u[0] < w[0]) raise(3, msg('risk.contract_major_behind', { name, version: u.join('.'), latest: w.join('.'), n: w[0] - u[0] }));
    else if (u[0] === w[0] && u[1] < w[1]) raise(1, msg('risk.contract_minor_behind', { name, version: u.join('.'), latest: w.join('.'), n: w[1] - u[1] }));
  }
  const a = parseVersion(input.appVersion);
  const al = parseVersion(input.latestAppVersion);
  if (a && al && (a[0] - al[0] || a[1] - al[1] || a[2] - al[2]) < 0)
    raise(1, msg('risk.app_behind', { version: input.appVersion!, latest: input.latestAppVersion! }));
  if (input.updateRequired) raise(2, msg('risk.update_required'));
  const levelName = RISK_LEVELS[level]!;
  return { level: levelName, reasons, allowedActions: allowedActionsFor(levelName) };
}

describe('the tuned calculator agrees with the plain rules', () => {
  let x = 7;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const NOW_MS = Date.parse(NOW);
  // Offsets at, just past and around every default and custom threshold, and arbitrary ones.
  const offsets = [
    0,
    1,
    999,
    7 * DAY_MS,
    7 * DAY_MS + 1,
    14 * DAY_MS,
    14 * DAY_MS + 1000,
    30 * DAY_MS,
    30 * DAY_MS + 1,
    1.5 * DAY_MS,
    2 * DAY_MS + 1,
    365 * DAY_MS,
    -DAY_MS,
  ];
  const time = () => new Date(NOW_MS - (rnd() < 0.5 ? pick(offsets) : Math.floor(rnd() * 60 * DAY_MS))).toISOString();
  const versions = ['1.2.0', '1.3.0', '2.0.1', '0.9.0', 'v1.3.0', '1.3.0-beta.1', '10.0.0', 'dev', '', '1.3'];
  const names = ['field.inspect.site', 'lab.record.specimen', 'a.b.c', 'field.submit.report'];
  const policies: RiskPolicy[] = [
    DEFAULT_RISK_POLICY,
    { offlineDays: { medium: 1, high: 1.5, critical: 2.25 }, pending: { medium: 0, high: 3 }, deadLetters: { medium: 2, high: 2 } },
  ];
  const contracts = () =>
    Object.fromEntries(
      names
        .filter(() => rnd() < 0.5)
        .sort(() => rnd() - 0.5)
        .map((n) => [n, pick(versions)]),
    );

  it('on 20,000 varied inputs: same level, reasons (in order) and allowed actions', () => {
    for (let i = 0; i < 20_000; i++) {
      const input: RiskInput = {
        now: rnd() < 0.9 ? NOW : time(),
        lastSyncAt: rnd() < 0.1 ? null : time(),
        ...(rnd() < 0.5 ? { enrolledAt: rnd() < 0.2 ? null : time() } : {}),
        ...(rnd() < 0.8 ? { contractVersions: contracts() } : {}),
        ...(rnd() < 0.8 ? { latestContracts: contracts() } : {}),
        ...(rnd() < 0.7 ? { pendingCount: pick([0, 3, 4, 50, 51, 100, 101, Math.floor(rnd() * 300)]) } : {}),
        ...(rnd() < 0.7 ? { deadLetterCount: pick([0, 1, 2, 3, 10, 11]) } : {}),
        ...(rnd() < 0.7 ? { appVersion: rnd() < 0.1 ? null : pick(versions) } : {}),
        ...(rnd() < 0.7 ? { latestAppVersion: rnd() < 0.1 ? null : pick(versions) } : {}),
        ...(rnd() < 0.1 ? { blocked: true } : {}),
        ...(rnd() < 0.1 ? { updateRequired: true } : {}),
      };
      const policy = pick(policies);
      expect(evaluateRisk(input, policy), JSON.stringify(input)).toEqual(plainEvaluate(input, policy));
      expect(versionLevel(input)).toBe(versionRisk(input).level);
    }
  });

  it('parseIsoMs reads exactly what Date.parse reads, fast path or not', () => {
    const odd = [
      '2025-02-30T00:00:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '2025-04-31T12:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '2025-01-01T23:60:00.000Z',
      '2025-13-01T00:00:00.000Z',
      '2025-00-01T00:00:00.000Z',
      '2025-01-00T00:00:00.000Z',
      '2025-01-32T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '0099-12-31T23:59:59.999Z',
      '1600-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
      '2025-06-30T12:00:00Z',
      '2025-06-30T12:00:00.000+02:00',
      '2025-06-30',
      '+2025-06-30T12:00:00.000Z',
      '2025-06-3aT12:00:00.000Z',
      '2025-06-30T1:00:00.0000Z',
      '2025-06-30 12:00:00.000Z',
      '',
      'yesterday',
      '2025-06-30T12:0-:00.000Z',
      '2025-06-30T12:00:00.00-Z',
    ];
    for (const s of odd) expect(parseIsoMs(s), s).toEqual(Date.parse(s));
    // Every printable ASCII character (and a non-ASCII digit) at every position of a valid time:
    // the digit checks must refuse ':' to '?' (one past '9') and '/' (one before '0') as Date.parse does.
    const valid = '2024-02-29T23:59:58.987Z';
    for (let at = 0; at < valid.length; at++) {
      for (let c = 32; c < 128; c++) {
        const s = valid.slice(0, at) + String.fromCharCode(c) + valid.slice(at + 1);
        expect(parseIsoMs(s), s).toEqual(Date.parse(s));
      }
      const s = valid.slice(0, at) + '\u0661' + valid.slice(at + 1);
      expect(parseIsoMs(s), s).toEqual(Date.parse(s));
    }
    for (let i = 0; i < 20_000; i++) {
      const s = new Date(Math.floor((rnd() - 0.3) * 4e12)).toISOString();
      expect(parseIsoMs(s), s).toBe(Date.parse(s));
    }
  });

  it('roundDays: tenths rounded up, never equal to a threshold it exceeds', () => {
    for (const [d, want] of [
      [7, 7],
      [1, 1],
      [7.01, 7.1],
      [7.1, 7.1],
      [6.95, 7],
      [0.04, 0.1],
      [29.99, 30],
      [0, 0],
    ] as const) {
      expect(roundDays(d)).toBe(want);
    }
    for (let i = 0; i < 5000; i++) {
      const d = rnd() * 400;
      const r = roundDays(d);
      expect(r).toBeGreaterThanOrEqual(d);
      expect(r - d).toBeLessThan(0.1 + 1e-9);
      // One decimal at most, as the reasons show it ("57.1 days").
      expect(String(r)).toMatch(/^\d+(\.\d)?$/);
    }
  });
});

describe('risk reasons from a sync server', () => {
  it('a server from before messages as codes sent sentences: they become risk.text, messages stay as they are', () => {
    const v = compileSchema(riskResultWireSchema);
    const old = { level: 'medium', reasons: ['Last sync 8 days ago (more than 7)'], allowedActions: ['read', 'sync'] };
    const now = { level: 'medium', reasons: [msg('risk.last_sync_over', { days: 8, limit: 7 })], allowedActions: ['read', 'sync'] };
    expect(v(old)).toBe(true);
    expect(v(now)).toBe(true);
    expect(v({ ...now, reasons: [{ code: 'not a code' }] })).toBe(false);
    expect(riskReasonsFromWire(old.reasons)).toEqual([msg('risk.text', { text: 'Last sync 8 days ago (more than 7)' })]);
    expect(riskReasonsFromWire(now.reasons)).toEqual(now.reasons);
  });
});
