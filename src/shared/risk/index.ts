// Device risk: one pure function shared by the device, the sync server and the UI, so all three
// agree on what "at risk" means. No Node, no DOM: times are ISO strings, the clock is an input.
//
// Every rule yields a level; the device's level is the highest. Thresholds are strict ("more
// than"): exactly 7 days offline is low, 7 days and one second is medium. Thresholds come from a
// policy object (DEFAULT_RISK_POLICY, or a tenant's own).
import { Type, type Static } from '@sinclair/typebox';
import { messageSchema, msg, type Message } from '../messages';
import { enumOf, obj } from '../typebox';

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const RISK_ACTIONS = ['read', 'capture', 'draft', 'submit', 'sync'] as const;
export type RiskAction = (typeof RISK_ACTIONS)[number];

const tier2 = obj({ medium: Type.Integer({ minimum: 0, maximum: 1_000_000 }), high: Type.Integer({ minimum: 0, maximum: 1_000_000 }) });
const days = Type.Number({ minimum: 0, maximum: 3650 });

/** JSON Schema of RiskPolicy (compiled where validation runs). */
export const riskPolicySchema = obj({
  /** Days without a sync: more than `medium` → medium, more than `high` → high, more than `critical` → critical. */
  offlineDays: obj({ medium: days, high: days, critical: days }),
  /** Items waiting in the outbox: more than `medium` → medium, more than `high` → high. */
  pending: tier2,
  /** Dead-lettered items: more than `medium` → medium, more than `high` → high. */
  deadLetters: tier2,
  /** The app version devices should run; older ones are medium. Absent: app versions are not compared. */
  latestAppVersion: Type.Optional(Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', maxLength: 40 })),
});
export type RiskPolicy = Static<typeof riskPolicySchema>;

export const DEFAULT_RISK_POLICY: RiskPolicy = Object.freeze({
  offlineDays: Object.freeze({ medium: 7, high: 14, critical: 30 }),
  pending: Object.freeze({ medium: 50, high: 100 }),
  deadLetters: Object.freeze({ medium: 0, high: 10 }),
}) as RiskPolicy;

export interface RiskInput {
  /** ISO time the evaluation is for. */
  now: string;
  /** ISO time of the last accepted sync, or null if the device never synced. */
  lastSyncAt: string | null;
  /** When the device was enrolled; a never-synced device is offline since then (critical without it). */
  enrolledAt?: string | null;
  /** contract name → version in use on the device ("1.2.0"). */
  contractVersions?: Record<string, string>;
  /** contract name → latest version known to the server. */
  latestContracts?: Record<string, string>;
  pendingCount?: number;
  deadLetterCount?: number;
  appVersion?: string | null;
  latestAppVersion?: string | null;
  blocked?: boolean;
  updateRequired?: boolean;
}

export const riskResultSchema = obj({
  level: enumOf(RISK_LEVELS),
  /** One message per rule that raised the level (`risk.*` codes), with the numbers that triggered it as params. */
  reasons: Type.Array(messageSchema),
  allowedActions: Type.Array(enumOf(RISK_ACTIONS)),
});
export type RiskResult = Static<typeof riskResultSchema>;

/**
 * A risk result as a device parses it from a sync server: a server from before messages as codes
 * sent its reasons as English sentences, so a reason may be a plain string (riskReasonsFromWire
 * turns it into `risk.text`).
 */
export const riskResultWireSchema = obj({
  level: enumOf(RISK_LEVELS),
  reasons: Type.Array(Type.Union([messageSchema, Type.String({ maxLength: 2000 })])),
  allowedActions: Type.Array(enumOf(RISK_ACTIONS)),
});

/** Reasons as a server sent them, as messages: a plain sentence (an older server) becomes `risk.text {text}`, shown as it is. */
export function riskReasonsFromWire(reasons: readonly (string | Message)[]): Message[] {
  return reasons.map((r) => (typeof r === 'string' ? msg('risk.text', { text: r }) : r));
}

export const DAY_MS = 86_400_000;

/** The reasons the admin flags give; a device replaces them with its own instructions (governance). */
export const REASON_BLOCKED: Message = Object.freeze(msg('risk.blocked'));
export const REASON_UPDATE_REQUIRED: Message = Object.freeze(msg('risk.update_required'));

const RANK: Readonly<Record<RiskLevel, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Numeric rank of a level (low 0 … critical 3): what the server stores and sorts by. */
export function levelRank(level: RiskLevel): number {
  const r: unknown = RANK[level];
  return typeof r === 'number' ? r : -1; // -1 for anything else, like indexOf would say
}

// Per rank; evaluateRisk hands out copies, so a caller that edits its result edits only its own.
const ACTIONS_BY_RANK: readonly (readonly RiskAction[])[] = [RISK_ACTIONS, RISK_ACTIONS, ['read', 'capture', 'draft', 'sync'], ['read', 'capture', 'sync']];

/** What a device may do at a level. Sync always stays allowed, so a device can always recover. */
export function allowedActionsFor(level: RiskLevel): RiskAction[] {
  return ACTIONS_BY_RANK[RANK[level]]!.slice();
}

/**
 * A fresh copy of ACTIONS_BY_RANK[rank] (rank 0..3), for evaluateRisk: an array literal of constants
 * shares one copy-on-write backing store, so each costs about an empty array (cheaper than slice()).
 */
function actionsAt(rank: number): RiskAction[] {
  switch (rank) {
    case 0:
    case 1:
      return ['read', 'capture', 'draft', 'submit', 'sync'];
    case 2:
      return ['read', 'capture', 'draft', 'sync'];
    default: // 3
      return ['read', 'capture', 'sync'];
  }
}

function offlineRank(days: number, t: RiskPolicy['offlineDays']): number {
  return days > t.critical ? 3 : days > t.high ? 2 : days > t.medium ? 1 : 0;
}

function countRank(n: number, t: { medium: number; high: number }): number {
  return n > t.high ? 2 : n > t.medium ? 1 : 0;
}

/** "1.2.3" → [1, 2, 3]; anything else → null (such versions are not compared). */
export function parseVersion(v: string | null | undefined): [number, number, number] | null {
  const m = v ? /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

// A fleet uses a handful of version strings; parsing each once keeps the regex off the hot path.
// Bounded: cleared when full, never a leak.
const VERSION_CACHE_MAX = 4096;
/** A parsed version and its "major.minor.patch" text (what reasons show), made once per string. */
type Parsed = readonly [number, number, number, string];
const versionCache = new Map<string, Parsed | null>();
function versionOf(v: string | null | undefined): Parsed | null {
  if (!v) return null;
  let p = versionCache.get(v);
  if (p === undefined) {
    const n = parseVersion(v);
    p = n ? [n[0], n[1], n[2], `${n[0]}.${n[1]}.${n[2]}`] : null;
    if (versionCache.size >= VERSION_CACHE_MAX) versionCache.clear();
    versionCache.set(v, p);
  }
  return p;
}

function compareVersions(a: Parsed, b: Parsed): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Epoch ms of an ISO time, exactly as Date.parse reads it. The times this runs on are
 * toISOString() output ("2025-06-30T12:00:00.000Z"), read here digit by digit without a Date,
 * faster than Date.parse; any other shape or an out-of-range field goes to Date.parse itself.
 * Each character is read once (a charCodeAt is most of the cost), and the seventeen digits are
 * checked together: OR-ed, a value outside 0..15 (a negative one included) shows in the high
 * bits; 10..15 then needs the per-digit test, which only a passing OR reaches.
 */
export function parseIsoMs(s: string): number {
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
    const y0 = s.charCodeAt(0) - 48;
    const y1 = s.charCodeAt(1) - 48;
    const y2 = s.charCodeAt(2) - 48;
    const y3 = s.charCodeAt(3) - 48;
    const mo0 = s.charCodeAt(5) - 48;
    const mo1 = s.charCodeAt(6) - 48;
    const d0 = s.charCodeAt(8) - 48;
    const d1 = s.charCodeAt(9) - 48;
    const h0 = s.charCodeAt(11) - 48;
    const h1 = s.charCodeAt(12) - 48;
    const mi0 = s.charCodeAt(14) - 48;
    const mi1 = s.charCodeAt(15) - 48;
    const s0 = s.charCodeAt(17) - 48;
    const s1 = s.charCodeAt(18) - 48;
    const ms0 = s.charCodeAt(20) - 48;
    const ms1 = s.charCodeAt(21) - 48;
    const ms2 = s.charCodeAt(22) - 48;
    if (
      ((y0 | y1 | y2 | y3 | mo0 | mo1 | d0 | d1 | h0 | h1 | mi0 | mi1 | s0 | s1 | ms0 | ms1 | ms2) & ~15) === 0 &&
      y0 <= 9 &&
      y1 <= 9 &&
      y2 <= 9 &&
      y3 <= 9 &&
      mo1 <= 9 &&
      d1 <= 9 &&
      h1 <= 9 &&
      mi1 <= 9 &&
      s1 <= 9 &&
      ms0 <= 9 &&
      ms1 <= 9 &&
      ms2 <= 9
    ) {
      // The tens digits need no test of their own: a tens digit over 9 puts its field out of range.
      const mo = mo0 * 10 + mo1;
      const d = d0 * 10 + d1;
      const h = h0 * 10 + h1;
      const mi = mi0 * 10 + mi1;
      const sec = s0 * 10 + s1;
      // Day 29-31 of a shorter month rolls over into the next one, as in Date.parse.
      if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 59) {
        const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
        return daysFromCivil(year, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms0 * 100 + ms1 * 10 + ms2;
      }
    }
  }
  return Date.parse(s);
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil) for a year
 * 0..9999: integer arithmetic, no Date. Every quotient is of a number ≥ 0 (floor is truncation, `| 0`)
 * but the era of year -1 (January and February of year 0), which is -1.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = y >= 0 ? (y / 400) | 0 : -1;
  const yoe = y - era * 400;
  const doy = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146_097 + doe - 719_468;
}

// `now` is the same string for every device of an admin page or a governance check: parse it once.
let lastNow = '';
let lastNowMs = NaN;
function nowMs(now: string): number {
  if (now !== lastNow) {
    lastNowMs = parseIsoMs(now);
    lastNow = now;
  }
  return lastNowMs;
}

/**
 * Days as the reasons give them: whole days as they are, else rounded UP to a tenth, so a value past
 * an integer threshold never reads as equal to it (7.1, not 7). The UI formats the number.
 */
export function roundDays(days: number): number {
  return Number.isInteger(days) ? days : Math.ceil(days * 10) / 10;
}

type VersionInput = Pick<RiskInput, 'contractVersions' | 'latestContracts' | 'appVersion' | 'latestAppVersion'>;

/** Rank of the version rules; their reasons are pushed to `reasons` when given (built only then). */
function versionRank(input: VersionInput, reasons: Message[] | null): number {
  const used = input.contractVersions;
  const latest = input.latestContracts;
  // One pass without allocating a key array or sorting: most devices are on the latest versions,
  // so there is usually nothing to build.
  let rank = used && latest ? (reasons ? contractRankAndReasons(used, latest, reasons) : contractRank(used, latest)) : 0;
  const app = input.appVersion === input.latestAppVersion ? null : versionOf(input.appVersion);
  const appLatest = app ? versionOf(input.latestAppVersion) : null;
  if (app && appLatest && compareVersions(app, appLatest) < 0) {
    if (rank < 1) rank = 1;
    // The object msg() makes (its params are never empty here).
    reasons?.push({ code: 'risk.app_behind', params: { version: input.appVersion!, latest: input.latestAppVersion! } });
  }
  return rank;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** 3 (a major behind), 1 (a minor behind) or 0 (none behind). */
function contractRank(used: Record<string, string>, latest: Record<string, string>): number {
  let rank = 0;
  for (const name in used) {
    if (!hasOwn.call(used, name)) continue; // own keys only, as Object.keys
    const uv = used[name];
    const wv = latest[name];
    if (uv === wv) continue; // the usual case: on the latest version, nothing to parse
    const u = versionOf(uv);
    const w = versionOf(wv);
    if (!u || !w) continue;
    if (u[0] < w[0]) return 3;
    if (u[0] === w[0] && u[1] < w[1]) rank = 1;
  }
  return rank;
}

/**
 * contractRank, pushing the contract reasons to `reasons` as it goes. Reasons come in name order:
 * names come in key order, which is usually sorted already; when it is not, the reasons pushed
 * here are sorted by name afterwards (names are unique keys, so the order is the sorted one).
 */
function contractRankAndReasons(used: Record<string, string>, latest: Record<string, string>, reasons: Message[]): number {
  const start = reasons.length;
  let rank = 0;
  let prevName: string | null = null;
  let sorted = true;
  for (const name in used) {
    if (!hasOwn.call(used, name)) continue; // own keys only, as Object.keys
    if (prevName !== null && prevName > name) sorted = false;
    prevName = name;
    const uv = used[name];
    const wv = latest[name];
    if (uv === wv) continue;
    const u = versionOf(uv);
    const w = versionOf(wv);
    if (!u || !w) continue;
    // Object literals: the objects msg() makes (their params are never empty).
    if (u[0] < w[0]) {
      rank = 3;
      reasons.push({ code: 'risk.contract_major_behind', params: { name, version: u[3], latest: w[3], n: w[0] - u[0] } });
    } else if (u[0] === w[0] && u[1] < w[1]) {
      if (rank < 1) rank = 1;
      reasons.push({ code: 'risk.contract_minor_behind', params: { name, version: u[3], latest: w[3], n: w[1] - u[1] } });
    }
  }
  if (!sorted && reasons.length - start > 1) sortByName(reasons, start);
  return rank;
}

/** Insertion sort of reasons[start..] by their `name` param (a few contract reasons). */
function sortByName(reasons: Message[], start: number): void {
  for (let i = start + 1; i < reasons.length; i++) {
    const r = reasons[i]!;
    const name = r.params!.name as string;
    let j = i - 1;
    while (j >= start && (reasons[j]!.params!.name as string) > name) {
      reasons[j + 1] = reasons[j]!;
      j--;
    }
    reasons[j + 1] = r;
  }
}

/** The parts of the risk that depend only on versions (contracts and app), with their reasons. */
export function versionRisk(input: VersionInput): { level: RiskLevel; reasons: Message[] } {
  const reasons: Message[] = [];
  return { level: RISK_LEVELS[versionRank(input, reasons)]!, reasons };
}

/** The level of the version rules alone, without building their reasons (what the server stores per device). */
export function versionLevel(input: VersionInput): RiskLevel {
  return RISK_LEVELS[versionRank(input, null)]!;
}

/**
 * The device's level, reasons and allowed actions. Runs once per device the server lists and on
 * every device-side check, so it is kept cheap: ranks as numbers, times read without Date.parse,
 * versions parsed once per string, and a reason message is built only for a rule that fires (as an
 * object literal: the same `{code, params}` msg() makes, without its check for empty params).
 */
export function evaluateRisk(input: RiskInput, policy: RiskPolicy = DEFAULT_RISK_POLICY): RiskResult {
  const reasons: Message[] = [];
  let rank = 0;

  if (input.blocked) {
    rank = 3;
    reasons.push({ code: REASON_BLOCKED.code });
  }

  const since = input.lastSyncAt ?? input.enrolledAt ?? null;
  if (since === null) {
    rank = 3;
    reasons.push({ code: 'risk.never_synced' });
  } else {
    const days = Math.max(0, (nowMs(input.now) - parseIsoMs(since)) / DAY_MS);
    const t = policy.offlineDays;
    const r = offlineRank(days, t);
    if (r > 0) {
      if (r > rank) rank = r;
      const limit = r === 3 ? t.critical : r === 2 ? t.high : t.medium;
      reasons.push({ code: input.lastSyncAt ? 'risk.last_sync_over' : 'risk.enrolled_over', params: { days: roundDays(days), limit } });
    }
  }

  const pending = input.pendingCount ?? 0;
  const pr = countRank(pending, policy.pending);
  if (pr > 0) {
    if (pr > rank) rank = pr;
    reasons.push({ code: 'risk.pending_over', params: { count: pending, limit: pr === 2 ? policy.pending.high : policy.pending.medium } });
  }

  const dead = input.deadLetterCount ?? 0;
  const dr = countRank(dead, policy.deadLetters);
  if (dr > 0) {
    if (dr > rank) rank = dr;
    reasons.push({ code: 'risk.dead_letters_over', params: { count: dead, limit: dr === 2 ? policy.deadLetters.high : policy.deadLetters.medium } });
  }

  const vr = versionRank(input, reasons);
  if (vr > rank) rank = vr;

  if (input.updateRequired) {
    if (rank < 2) rank = 2;
    reasons.push({ code: REASON_UPDATE_REQUIRED.code });
  }

  return { level: RISK_LEVELS[rank]!, reasons, allowedActions: actionsAt(rank) };
}

/** Problems with a policy's numbers beyond its schema: each tier must not be below the one before. */
export function policyProblems(p: RiskPolicy): string[] {
  const out: string[] = [];
  if (!(p.offlineDays.medium <= p.offlineDays.high && p.offlineDays.high <= p.offlineDays.critical))
    out.push('offlineDays must satisfy medium ≤ high ≤ critical');
  if (!(p.pending.medium <= p.pending.high)) out.push('pending must satisfy medium ≤ high');
  if (!(p.deadLetters.medium <= p.deadLetters.high)) out.push('deadLetters must satisfy medium ≤ high');
  return out;
}
