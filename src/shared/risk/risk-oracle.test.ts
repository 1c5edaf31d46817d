// evaluateRisk against the calculator as it was before issue 20's speed work (times parsed field by
// field with a digit loop, reasons built with msg(), version texts formatted per reason): the copy
// below is that code, unchanged but for names (its `now` cache is left out: it only skipped a parse).
// The faster one must give the same result, to the byte, on every input — valid, odd or broken.
import { describe, expect, it } from 'vitest';
import { msg, type Message } from '../messages';
import {
  DAY_MS,
  DEFAULT_RISK_POLICY,
  REASON_BLOCKED,
  REASON_UPDATE_REQUIRED,
  RISK_LEVELS,
  allowedActionsFor,
  evaluateRisk,
  parseIsoMs as fastParseIsoMs,
  parseVersion,
  roundDays,
  type RiskInput,
  type RiskPolicy,
  type RiskResult,
} from './index';

function offlineRank(days: number, t: RiskPolicy['offlineDays']): number {
  return days > t.critical ? 3 : days > t.high ? 2 : days > t.medium ? 1 : 0;
}

function countRank(n: number, t: { medium: number; high: number }): number {
  return n > t.high ? 2 : n > t.medium ? 1 : 0;
}

const versionCache = new Map<string, readonly [number, number, number] | null>();
function versionOf(v: string | null | undefined): readonly [number, number, number] | null {
  if (!v) return null;
  let p = versionCache.get(v);
  if (p === undefined) {
    p = parseVersion(v);
    if (versionCache.size >= 4096) versionCache.clear();
    versionCache.set(v, p);
  }
  return p;
}

function compareVersions(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Digits s[from..to) as a number, or -1 if any is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Epoch ms of an ISO time, exactly as Date.parse reads it. The times this runs on are
 * toISOString() output ("2025-06-30T12:00:00.000Z"), read here digit by digit without a Date,
 * faster than Date.parse; any other shape or an out-of-range field goes to Date.parse itself.
 */
function parseIsoMs(s: string): number {
  // "YYYY-MM-DDTHH:MM:SS.sssZ": - at 4 and 7, T at 10, : at 13 and 16, . at 19, Z at 23.
  if (
    s.length === 24 &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 84 &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    s.charCodeAt(19) === 46 &&
    s.charCodeAt(23) === 90
  ) {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 7);
    const d = digits(s, 8, 10);
    const h = digits(s, 11, 13);
    const mi = digits(s, 14, 16);
    const sec = digits(s, 17, 19);
    const ms = digits(s, 20, 23);
    // -1 (not a digit) fails these too. Day 29-31 of a shorter month rolls over into the next
    // one, as in Date.parse.
    if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59 && ms >= 0) {
      return daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
    }
  }
  return Date.parse(s);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): integer arithmetic, no Date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

type VersionInput = Pick<RiskInput, 'contractVersions' | 'latestContracts' | 'appVersion' | 'latestAppVersion'>;

/** Rank of the version rules; their reasons are pushed to `reasons` when given (built only then). */
function versionRank(input: VersionInput, reasons: Message[] | null): number {
  let rank = 0;
  const used = input.contractVersions;
  const latest = input.latestContracts;
  if (used && latest) {
    const names = Object.keys(used);
    // Reasons come in name order; fleets report few contracts, usually already in order.
    for (let i = 1; i < names.length; i++) {
      if (names[i - 1]! > names[i]!) {
        names.sort();
        break;
      }
    }
    for (const name of names) {
      const uv = used[name];
      const wv = latest[name];
      if (uv === wv) continue; // the usual case: on the latest version, nothing to parse
      const u = versionOf(uv);
      const w = versionOf(wv);
      if (!u || !w) continue;
      if (u[0] < w[0]) {
        rank = 3;
        reasons?.push(msg('risk.contract_major_behind', { name, version: `${u[0]}.${u[1]}.${u[2]}`, latest: `${w[0]}.${w[1]}.${w[2]}`, n: w[0] - u[0] }));
      } else if (u[0] === w[0] && u[1] < w[1]) {
        if (rank < 1) rank = 1;
        reasons?.push(msg('risk.contract_minor_behind', { name, version: `${u[0]}.${u[1]}.${u[2]}`, latest: `${w[0]}.${w[1]}.${w[2]}`, n: w[1] - u[1] }));
      }
    }
  }
  const app = input.appVersion === input.latestAppVersion ? null : versionOf(input.appVersion);
  const appLatest = app ? versionOf(input.latestAppVersion) : null;
  if (app && appLatest && compareVersions(app, appLatest) < 0) {
    if (rank < 1) rank = 1;
    reasons?.push(msg('risk.app_behind', { version: input.appVersion!, latest: input.latestAppVersion! }));
  }
  return rank;
}

function oldEvaluateRisk(input: RiskInput, policy: RiskPolicy = DEFAULT_RISK_POLICY): RiskResult {
  const reasons: Message[] = [];
  let rank = 0;

  if (input.blocked) {
    rank = 3;
    reasons.push(msg(REASON_BLOCKED.code));
  }

  const since = input.lastSyncAt ?? input.enrolledAt ?? null;
  if (since === null) {
    rank = 3;
    reasons.push(msg('risk.never_synced'));
  } else {
    const days = Math.max(0, (parseIsoMs(input.now) - parseIsoMs(since)) / DAY_MS);
    const t = policy.offlineDays;
    const r = offlineRank(days, t);
    if (r > 0) {
      if (r > rank) rank = r;
      const limit = r === 3 ? t.critical : r === 2 ? t.high : t.medium;
      reasons.push(msg(input.lastSyncAt ? 'risk.last_sync_over' : 'risk.enrolled_over', { days: roundDays(days), limit }));
    }
  }

  const pending = input.pendingCount ?? 0;
  const pr = countRank(pending, policy.pending);
  if (pr > 0) {
    if (pr > rank) rank = pr;
    reasons.push(msg('risk.pending_over', { count: pending, limit: pr === 2 ? policy.pending.high : policy.pending.medium }));
  }

  const dead = input.deadLetterCount ?? 0;
  const dr = countRank(dead, policy.deadLetters);
  if (dr > 0) {
    if (dr > rank) rank = dr;
    reasons.push(msg('risk.dead_letters_over', { count: dead, limit: dr === 2 ? policy.deadLetters.high : policy.deadLetters.medium }));
  }

  const vr = versionRank(input, reasons);
  if (vr > rank) rank = vr;

  if (input.updateRequired) {
    if (rank < 2) rank = 2;
    reasons.push(msg(REASON_UPDATE_REQUIRED.code));
  }

  return { level: RISK_LEVELS[rank]!, reasons, allowedActions: allowedActionsFor(RISK_LEVELS[rank]!) };
}

/** mulberry32 (shared code may not import platform/prng): a seeded generator, so a failure reproduces. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- random inputs: mostly realistic, with a share of every odd shape the parsers must refuse alike.
type Rnd = () => number;
const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const NOW_MS = Date.parse('2025-06-30T12:00:00.000Z');

function oddTime(r: Rnd): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const y = pad(Math.floor(r() * 10000), 4);
  const f = () => pad(Math.floor(r() * 100), 2); // months 13-99, days 32-99, hours 24-99… too
  if (r() < 0.4) {
    // A valid time with one character swapped for a neighbour of the digits (/ and : sit either side).
    const t = new Date(NOW_MS - r() * 90 * 86_400_000).toISOString();
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + pick(r, ['/', ':', '0', '9', '-', '.', 'T', 'Z', ' ']) + t.slice(at + 1);
  }
  return pick(r, [
    `${y}-${f()}-${f()}T${f()}:${f()}:${f()}.${pad(Math.floor(r() * 1000), 3)}Z`,
    `2025-02-${pick(r, ['28', '29', '30', '31'])}T00:00:00.000Z`,
    '2025-06-30T12:00:00Z',
    '2025-06-30T12:00:00.000+02:00',
    '2025-06-30 12:00:00.000Z',
    '2025-0a-30T12:00:00.000Z',
    '2025-06-30T12:00:00.00aZ',
    '+02025-06-30T12:00:00.000Z'.slice(0, 24),
    '2025-06-30',
    'not a time',
    '',
    '0000-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '1969-12-31T23:59:59.999Z',
    '2024-02-29T23:59:59.999Z',
    '2025-06-30T12:00:60.000Z',
    '2025-06-3\u0660T12:00:00.000Z',
  ]);
}

function time(r: Rnd): string {
  if (r() < 0.12) return oddTime(r);
  return new Date(NOW_MS - (r() < 0.1 ? -1 : 1) * r() * 90 * 86_400_000).toISOString();
}

const VERSIONS = ['1.3.0', '1.2.0', '0.9.0', '2.0.1', '1.4.0', '1.3.2', 'v1.2.3', '1.2.3-beta.1', '1.2.3+b5', '1.2', 'dev', '', '01.002.0003', '10.0.0'];
const NAMES = ['field.inspect.site', 'lab.record.specimen', 'field.submit.report', 'a.b.c', 'z.last'];

function versions(r: Rnd): Record<string, string> {
  const out: Record<string, string> = {};
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) out[pick(r, NAMES)] = pick(r, VERSIONS);
  return out;
}

function input(r: Rnd): RiskInput {
  const x: RiskInput = { now: r() < 0.9 ? new Date(NOW_MS).toISOString() : time(r), lastSyncAt: r() < 0.1 ? null : time(r) };
  if (r() < 0.7) x.enrolledAt = r() < 0.1 ? null : time(r);
  if (r() < 0.8) x.contractVersions = versions(r);
  if (r() < 0.8) x.latestContracts = versions(r);
  if (r() < 0.9) x.pendingCount = Math.floor(r() * 250);
  if (r() < 0.9) x.deadLetterCount = r() < 0.7 ? 0 : Math.floor(r() * 30);
  if (r() < 0.8) x.appVersion = r() < 0.1 ? null : pick(r, VERSIONS);
  if (r() < 0.8) x.latestAppVersion = r() < 0.1 ? null : pick(r, VERSIONS);
  if (r() < 0.5) x.blocked = r() < 0.05;
  if (r() < 0.5) x.updateRequired = r() < 0.05;
  return x;
}

function policy(r: Rnd): RiskPolicy {
  if (r() < 0.5) return DEFAULT_RISK_POLICY;
  const a = Math.floor(r() * 20);
  const b = a + Math.floor(r() * 20);
  return {
    offlineDays: { medium: a + r(), high: b + 1.5, critical: b + 10 * r() + 2 },
    pending: { medium: a * 3, high: b * 5 },
    deadLetters: { medium: Math.floor(a / 4), high: b },
    ...(r() < 0.3 ? { latestAppVersion: '1.4.0' } : {}),
  };
}

describe('evaluateRisk equals the calculator it replaced', () => {
  it('on 200,000 random inputs and policies (same level, reasons in order, actions)', () => {
    const r = mulberry32(20);
    for (let i = 0; i < 200_000; i++) {
      const x = input(r);
      const p = policy(r);
      const want = oldEvaluateRisk(x, p);
      const got = evaluateRisk(x, p);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect({ i, input: x, policy: p, got }).toEqual({ i, input: x, policy: p, got: want });
    }
  });

  it('reads every time, valid or not, as Date.parse and the old parser do', () => {
    const r = mulberry32(7);
    for (let i = 0; i < 100_000; i++) {
      const t = i % 2 ? oddTime(r) : time(r);
      const want = parseIsoMs(t);
      const got = fastParseIsoMs(t);
      if (!Object.is(got, want) || !Object.is(got, Date.parse(t))) expect({ t, got }).toEqual({ t, got: want });
    }
  });

  it('hands out results a caller may edit without touching the next one', () => {
    const x: RiskInput = { now: '2025-06-30T12:00:00.000Z', lastSyncAt: null, contractVersions: { a: '1.0.0' }, latestContracts: { a: '2.0.0' } };
    const first = evaluateRisk(x);
    first.reasons.push(msg('risk.blocked'));
    first.allowedActions.length = 0;
    (first.reasons[1] as { params: Record<string, unknown> }).params.version = 'edited';
    expect(evaluateRisk(x)).toEqual(oldEvaluateRisk(x));
  });
});
