// Device risk: one pure function shared by the device, the sync server and the UI, so all three
// agree on what "at risk" means. No Node, no DOM: times are ISO strings, the clock is an input.
//
// Every rule yields a level; the device's level is the highest. Thresholds are strict ("more
// than"): exactly 7 days offline is low, 7 days and one second is medium. Thresholds come from a
// policy object (DEFAULT_RISK_POLICY, or a tenant's own).

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const RISK_ACTIONS = ['read', 'capture', 'draft', 'submit', 'sync'] as const;
export type RiskAction = (typeof RISK_ACTIONS)[number];

export interface RiskPolicy {
  /** Days without a sync: more than `medium` → medium, more than `high` → high, more than `critical` → critical. */
  offlineDays: { medium: number; high: number; critical: number };
  /** Items waiting in the outbox: more than `medium` → medium, more than `high` → high. */
  pending: { medium: number; high: number };
  /** Dead-lettered items: more than `medium` → medium, more than `high` → high. */
  deadLetters: { medium: number; high: number };
  /** The app version devices should run; older ones are medium. Absent: app versions are not compared. */
  latestAppVersion?: string;
}

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

export interface RiskResult {
  level: RiskLevel;
  /** Human sentences, one per rule that raised the level, with the numbers that triggered it. */
  reasons: string[];
  allowedActions: RiskAction[];
}

export const DAY_MS = 86_400_000;

/** Numeric rank of a level (low 0 … critical 3): what the server stores and sorts by. */
export function levelRank(level: RiskLevel): number {
  return RISK_LEVELS.indexOf(level);
}

export function levelFromRank(rank: number): RiskLevel {
  return RISK_LEVELS[Math.max(0, Math.min(3, Math.trunc(rank)))]!;
}

export function maxLevel(...levels: RiskLevel[]): RiskLevel {
  return levelFromRank(Math.max(0, ...levels.map(levelRank)));
}

/** What a device may do at a level. Sync always stays allowed, so a device can always recover. */
export function allowedActionsFor(level: RiskLevel): RiskAction[] {
  switch (level) {
    case 'critical':
      return ['read', 'capture', 'sync'];
    case 'high':
      return ['read', 'capture', 'draft', 'sync'];
    default:
      return [...RISK_ACTIONS];
  }
}

/** Offline level for a number of days (strictly greater than each threshold). */
export function offlineLevel(days: number, policy: RiskPolicy = DEFAULT_RISK_POLICY): RiskLevel {
  const t = policy.offlineDays;
  if (days > t.critical) return 'critical';
  if (days > t.high) return 'high';
  if (days > t.medium) return 'medium';
  return 'low';
}

function countLevel(n: number, t: { medium: number; high: number }): RiskLevel {
  if (n > t.high) return 'high';
  if (n > t.medium) return 'medium';
  return 'low';
}

/** "1.2.3" → [1, 2, 3]; anything else → null (such versions are not compared). */
export function parseVersion(v: string | null | undefined): [number, number, number] | null {
  const m = v ? /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Whole days, else rounded UP to a tenth, so a value past an integer threshold never prints as equal to it ("7.1 days"). */
export function formatDays(days: number): string {
  if (Number.isInteger(days)) return plural(days, 'day', 'days');
  const tenth = Math.ceil(days * 10) / 10;
  return Number.isInteger(tenth) ? plural(tenth, 'day', 'days') : `${tenth.toFixed(1)} days`;
}

/** The parts of the risk that depend only on versions (contracts and app), with their reasons. */
export function versionRisk(input: Pick<RiskInput, 'contractVersions' | 'latestContracts' | 'appVersion' | 'latestAppVersion'>): { level: RiskLevel; reasons: string[] } {
  let level: RiskLevel = 'low';
  const reasons: string[] = [];
  const latest = input.latestContracts ?? {};
  for (const name of Object.keys(input.contractVersions ?? {}).sort()) {
    const used = parseVersion(input.contractVersions?.[name]);
    const want = parseVersion(latest[name]);
    if (!used || !want) continue;
    if (used[0] < want[0]) {
      level = maxLevel(level, 'critical');
      const behind = want[0] - used[0];
      reasons.push(`Contract ${name} ${used.join('.')} is ${plural(behind, 'major version', 'major versions')} behind the latest ${want.join('.')}`);
    } else if (used[0] === want[0] && used[1] < want[1]) {
      level = maxLevel(level, 'medium');
      const behind = want[1] - used[1];
      reasons.push(`Contract ${name} ${used.join('.')} is ${plural(behind, 'minor version', 'minor versions')} behind the latest ${want.join('.')}`);
    }
  }
  const app = parseVersion(input.appVersion);
  const appLatest = parseVersion(input.latestAppVersion);
  if (app && appLatest && compareVersions(app, appLatest) < 0) {
    level = maxLevel(level, 'medium');
    reasons.push(`App version ${input.appVersion} is behind the latest ${input.latestAppVersion}`);
  }
  return { level, reasons };
}

export function evaluateRisk(input: RiskInput, policy: RiskPolicy = DEFAULT_RISK_POLICY): RiskResult {
  const reasons: string[] = [];
  let level: RiskLevel = 'low';
  const raise = (l: RiskLevel, reason: string): void => {
    level = maxLevel(level, l);
    reasons.push(reason);
  };

  if (input.blocked) raise('critical', 'Blocked by an administrator');

  const now = Date.parse(input.now);
  const since = input.lastSyncAt ?? input.enrolledAt ?? null;
  if (since === null) {
    raise('critical', 'Never synced');
  } else {
    const days = Math.max(0, (now - Date.parse(since)) / DAY_MS);
    const l = offlineLevel(days, policy);
    if (l !== 'low') {
      const limit = l === 'critical' ? policy.offlineDays.critical : l === 'high' ? policy.offlineDays.high : policy.offlineDays.medium;
      raise(
        l,
        input.lastSyncAt
          ? `Last sync ${formatDays(days)} ago (more than ${limit})`
          : `Never synced since enrollment ${formatDays(days)} ago (more than ${limit})`,
      );
    }
  }

  const pending = input.pendingCount ?? 0;
  const pl = countLevel(pending, policy.pending);
  if (pl !== 'low') raise(pl, `${plural(pending, 'item', 'items')} waiting to sync (more than ${pl === 'high' ? policy.pending.high : policy.pending.medium})`);

  const dead = input.deadLetterCount ?? 0;
  const dl = countLevel(dead, policy.deadLetters);
  if (dl !== 'low') raise(dl, `${plural(dead, 'dead letter', 'dead letters')} (more than ${dl === 'high' ? policy.deadLetters.high : policy.deadLetters.medium})`);

  const v = versionRisk(input);
  for (const r of v.reasons) reasons.push(r);
  level = maxLevel(level, v.level);

  if (input.updateRequired) raise('high', 'An administrator requires an app update');

  return { level, reasons, allowedActions: allowedActionsFor(level) };
}

/** Problems with a policy's numbers beyond its schema: each tier must not be below the one before. */
export function policyProblems(p: RiskPolicy): string[] {
  const out: string[] = [];
  if (!(p.offlineDays.medium <= p.offlineDays.high && p.offlineDays.high <= p.offlineDays.critical)) out.push('offlineDays must satisfy medium ≤ high ≤ critical');
  if (!(p.pending.medium <= p.pending.high)) out.push('pending must satisfy medium ≤ high');
  if (!(p.deadLetters.medium <= p.deadLetters.high)) out.push('deadLetters must satisfy medium ≤ high');
  return out;
}

const tier2 = {
  type: 'object',
  additionalProperties: false,
  required: ['medium', 'high'],
  properties: { medium: { type: 'integer', minimum: 0, maximum: 1_000_000 }, high: { type: 'integer', minimum: 0, maximum: 1_000_000 } },
} as const;

/** JSON Schema of RiskPolicy (plain data; compiled where validation runs). */
export const riskPolicySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['offlineDays', 'pending', 'deadLetters'],
  properties: {
    offlineDays: {
      type: 'object',
      additionalProperties: false,
      required: ['medium', 'high', 'critical'],
      properties: {
        medium: { type: 'number', minimum: 0, maximum: 3650 },
        high: { type: 'number', minimum: 0, maximum: 3650 },
        critical: { type: 'number', minimum: 0, maximum: 3650 },
      },
    },
    pending: tier2,
    deadLetters: tier2,
    latestAppVersion: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$', maxLength: 40 },
  },
} as const;

export const riskResultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['level', 'reasons', 'allowedActions'],
  properties: {
    level: { enum: [...RISK_LEVELS] },
    reasons: { type: 'array', items: { type: 'string' } },
    allowedActions: { type: 'array', items: { enum: [...RISK_ACTIONS] } },
  },
} as const;
