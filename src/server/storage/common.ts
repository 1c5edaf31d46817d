// Logic both storage backends share, kept out of SQL so the two cannot drift apart.
import { DAY_MS, RISK_LEVELS, type RiskLevel, type RiskPolicy } from '../../shared/risk';
import {
  HISTOGRAM_BUCKETS,
  type AuditInput,
  type ContractRef,
  type ContractVersionRow,
  type DeviceListQuery,
  type DeviceRecord,
  type HistogramBucket,
  type IngestOutcome,
  type NewItem,
  type RiskSummaryCounts,
  type Role,
  type StoredReceipt,
  type VersionLevelRecompute,
} from './types';

export function compareContractVersions(a: ContractRef, b: ContractRef): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * Rows to insert for refs not registered yet. A version is `breaking` when its major is higher than
 * every version of that name registered before it (the first version of a name is not breaking).
 */
export function planContractRows(existing: readonly ContractVersionRow[], refs: readonly ContractRef[], at: string): ContractVersionRow[] {
  const known = new Set(existing.map((r) => `${r.name}@${r.version}`));
  const maxMajor = new Map<string, number>();
  for (const r of existing) maxMajor.set(r.name, Math.max(maxMajor.get(r.name) ?? -1, r.major));
  const fresh = refs.filter((r) => !known.has(`${r.name}@${r.version}`)).sort(compareContractVersions);
  const out: ContractVersionRow[] = [];
  for (const r of fresh) {
    if (known.has(`${r.name}@${r.version}`)) continue; // same file twice in one dir
    known.add(`${r.name}@${r.version}`);
    const prev = maxMajor.get(r.name);
    out.push({ ...r, breaking: prev !== undefined && r.major > prev, registeredAt: at });
    maxMajor.set(r.name, Math.max(prev ?? -1, r.major));
  }
  return out;
}

/** What an already-stored idempotency key means for a new item with `contentHash`. */
export function classifyExisting(stored: { contentHash: string; receipt: StoredReceipt }, contentHash: string): IngestOutcome {
  return stored.contentHash === contentHash ? { status: 'duplicate', receipt: stored.receipt } : { status: 'conflict', storedContentHash: stored.contentHash };
}

export function parseRoles(v: unknown): Role[] {
  const arr: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  if (!Array.isArray(arr)) throw new Error('devices.roles is not an array');
  return arr.filter((r): r is Role => r === 'field' || r === 'reviewer' || r === 'admin');
}

/** The server audit row written with every stored item (metadata only: never ciphertext). */
export function itemAudit(ts: string, device: string, it: NewItem, serverSeq: number): AuditInput {
  return {
    ts,
    actor: device,
    action: 'sync.item.stored',
    subject: it.idempotencyKey,
    payload: {
      serverSeq,
      contract: it.contract,
      kind: it.kind,
      contentHash: it.contentHash,
      bytes: it.ciphertext.length,
      ...(it.keyScope ? { keyScope: it.keyScope } : {}),
      ...(it.subject ? { subject: it.subject } : {}),
      ...(it.to ? { to: it.to } : {}),
    },
  };
}

/** A `devices` row as both backends return it (roles: JSON text in SQLite, text[] in PostgreSQL). */
export interface DeviceRow {
  id: string;
  tenant: string;
  user_id: string;
  roles: unknown;
  name: string;
  public_key: string;
  enrolled_at: string;
  revoked_at: string | null;
  flagged_at: string | null;
  last_sync_at: string | null;
  app_version: string | null;
  last_anchor_seq: number | string;
  last_anchor_hash: string;
  /** JSON text in SQLite, jsonb in PostgreSQL; absent in rows selected without it. */
  anchor_frontier?: unknown;
  pending_count: number | string;
  dead_letter_count: number | string;
  /** JSON text in SQLite, jsonb (already parsed) in PostgreSQL. */
  contract_versions: unknown;
  blocked_at: string | null;
  blocked_reason: string | null;
  update_required_at: string | null;
  version_level: number | string;
  risk_level: number | string;
  /** Absent in rows selected without them (and in databases before migration 6). */
  encryption_key?: string | null;
  cert_version?: number | string;
}

function parseFrontier(v: unknown): string[] {
  const arr: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(arr) && arr.every((x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)) ? (arr as string[]) : [];
}

function parseContractVersions(v: unknown): Record<string, string> {
  const obj: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return {};
  return Object.fromEntries(Object.entries(obj as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function toDevice(r: DeviceRow): DeviceRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    user: r.user_id,
    roles: parseRoles(r.roles),
    name: r.name,
    publicKey: r.public_key,
    enrolledAt: r.enrolled_at,
    revokedAt: r.revoked_at,
    flaggedAt: r.flagged_at,
    lastSyncAt: r.last_sync_at,
    appVersion: r.app_version,
    // PostgreSQL returns bigint as text.
    lastAnchorSeq: Number(r.last_anchor_seq),
    lastAnchorHash: r.last_anchor_hash,
    anchorFrontier: parseFrontier(r.anchor_frontier),
    pendingCount: Number(r.pending_count ?? 0),
    deadLetterCount: Number(r.dead_letter_count ?? 0),
    contractVersions: parseContractVersions(r.contract_versions),
    blockedAt: r.blocked_at ?? null,
    blockedReason: r.blocked_reason ?? null,
    updateRequiredAt: r.update_required_at ?? null,
    versionLevel: Number(r.version_level ?? 0),
    riskLevel: Number(r.risk_level ?? 0),
    encryptionKey: r.encryption_key ?? null,
    certVersion: Number(r.cert_version ?? 0),
  };
}

// ---- Risk in SQL -------------------------------------------------------------------------------
// Each device row carries its risk rank (devices.risk_level, 0 low … 3 critical), so filters,
// sorts, keyset paging and counts over 100k devices are index range scans, never a computation
// over every row. The rank is the max of: version_level (contracts and app version, computed in JS
// at each sync), blocked → 3, update required → 2, the pending and dead-letter tiers, and the
// offline tiers, which compare COALESCE(last_sync_at, enrolled_at) ("seen") against cutoffs
// computed from `now` and the policy ("more than N days" ⇔ seen < now − N days: exactly what
// evaluateRisk decides in JS). It is written:
//   - on every accepted sync (from the JS evaluation; blocked/update flags re-applied in SQL so a
//     concurrent admin action is never overwritten),
//   - on every admin control (block, unblock, require/clear update) for that device,
//   - for the whole tenant when its policy changes (one UPDATE),
//   - and, because time alone raises the offline tier, by refreshRiskSql before each admin read:
//     it touches only rows whose stored rank is below the tier their "seen" now implies, found by
//     range scans on (tenant, risk_level, seen), so it costs what crossed a threshold since the
//     previous read. Time never lowers a rank, so nothing else can go stale.
// Both backends store ISO UTC times that compare correctly.

export type SqlDialect = 'sqlite' | 'postgres';

/** Collects bound values; returns a placeholder that may be reused (`@pN` in SQLite, `$N` in PostgreSQL). */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}
  add(v: unknown, pgCast = ''): string {
    this.values.push(v);
    const n = this.values.length;
    return this.dialect === 'sqlite' ? `@p${n}` : `$${n}${pgCast}`;
  }
  /** better-sqlite3 binds named parameters from an object. */
  named(): Record<string, unknown> {
    return Object.fromEntries(this.values.map((v, i) => [`p${i + 1}`, v]));
  }
}

export const SEEN_SQL = 'COALESCE(last_sync_at, enrolled_at)';

const cutoff = (now: string, days: number): string => new Date(Date.parse(now) - Math.round(days * DAY_MS)).toISOString();
const tsCast = (d: SqlDialect): string => (d === 'postgres' ? '::timestamptz' : '');
const intCast = (d: SqlDialect): string => (d === 'postgres' ? '::integer' : '');
export const greatest = (d: SqlDialect, parts: readonly string[]): string => `${d === 'postgres' ? 'GREATEST' : 'MAX'}(${parts.join(', ')})`;

/** The full risk rank of a row, as an SQL expression. */
export function riskRankSql(d: SqlDialect, p: SqlParams, now: string, policy: RiskPolicy): string {
  const o = policy.offlineDays;
  const c3 = p.add(cutoff(now, o.critical), tsCast(d));
  const c2 = p.add(cutoff(now, o.high), tsCast(d));
  const c1 = p.add(cutoff(now, o.medium), tsCast(d));
  const tier = (col: string, t: { medium: number; high: number }): string =>
    `CASE WHEN ${col} > ${p.add(t.high, intCast(d))} THEN 2 WHEN ${col} > ${p.add(t.medium, intCast(d))} THEN 1 ELSE 0 END`;
  return greatest(d, [
    'version_level',
    'CASE WHEN blocked_at IS NOT NULL THEN 3 ELSE 0 END',
    'CASE WHEN update_required_at IS NOT NULL THEN 2 ELSE 0 END',
    tier('pending_count', policy.pending),
    tier('dead_letter_count', policy.deadLetters),
    `CASE WHEN ${SEEN_SQL} < ${c3} THEN 3 WHEN ${SEEN_SQL} < ${c2} THEN 2 WHEN ${SEEN_SQL} < ${c1} THEN 1 ELSE 0 END`,
  ]);
}

/** Raises the stored rank of the tenant's rows whose offline tier has grown past it (see above). */
export function refreshRiskSql(d: SqlDialect, q: { tenant: string; now: string; policy: RiskPolicy }): { sql: string; params: SqlParams } {
  const p = new SqlParams(d);
  const rank = riskRankSql(d, p, q.now, q.policy);
  const o = q.policy.offlineDays;
  const tenant = p.add(q.tenant);
  // Rank r is stale when seen is past the cutoff of tier r + 1. Equalities (not risk_level < r) keep
  // each disjunct one range scan on (tenant, risk_level, seen); they cover the same rows because
  // tiers are ordered (medium ≤ high ≤ critical days: seen past a higher cutoff is past the lower).
  const stale = [
    `(risk_level = 0 AND ${SEEN_SQL} < ${p.add(cutoff(q.now, o.medium), tsCast(d))})`,
    `(risk_level = 1 AND ${SEEN_SQL} < ${p.add(cutoff(q.now, o.high), tsCast(d))})`,
    `(risk_level = 2 AND ${SEEN_SQL} < ${p.add(cutoff(q.now, o.critical), tsCast(d))})`,
  ];
  return { sql: `UPDATE devices SET risk_level = ${rank} WHERE tenant = ${tenant} AND (${stale.join(' OR ')})`, params: p };
}

/** Recomputes the stored rank of every row matching `by`: a tenant after a policy change, one device, or some devices of a tenant. */
export function recomputeRiskSql(
  d: SqlDialect,
  by: { tenant: string; ids?: readonly string[] } | { id: string },
  now: string,
  policy: RiskPolicy,
): { sql: string; params: SqlParams } {
  const p = new SqlParams(d);
  const rank = riskRankSql(d, p, now, policy);
  const where = 'id' in by ? [`id = ${p.add(by.id)}`] : [`tenant = ${p.add(by.tenant)}`];
  if ('ids' in by && by.ids) where.push(idInSql(d, p, by.ids));
  return { sql: `UPDATE devices SET risk_level = ${rank} WHERE ${where.join(' AND ')} AND risk_level <> ${rank}`, params: p };
}

/** `id` is one of `ids`, bound as one value (a JSON array in SQLite, a text[] in PostgreSQL). */
function idInSql(d: SqlDialect, p: SqlParams, ids: readonly string[]): string {
  return d === 'postgres' ? `id = ANY(${p.add([...ids], '::text[]')})` : `id IN (SELECT value FROM json_each(${p.add(JSON.stringify(ids))}))`;
}

// ---- Version levels after a registry change ----------------------------------------------------

/** server_meta key: the registry (canonical JSON, name → current version) the stored version levels reflect. */
export const VERSION_LEVELS_META_KEY = 'version_levels.contracts';

/**
 * Contract names whose current version differs between the registry the stored levels reflect and
 * the current one (added names included). Unknown (null): every current name.
 */
export function changedContractNames(stored: Record<string, string> | null, current: Record<string, string>): string[] {
  if (stored === null) return Object.keys(current).sort();
  const names = new Set([...Object.keys(stored), ...Object.keys(current)]);
  return [...names].filter((n) => stored[n] !== current[n]).sort();
}

/** One batch of devices in scope after `afterId`, in id order (locked for the transaction in PostgreSQL). */
export function versionLevelBatchSql(d: SqlDialect, scope: VersionLevelRecompute['scope'], afterId: string, limit: number): { sql: string; params: SqlParams } {
  const p = new SqlParams(d);
  const where = [`id > ${p.add(afterId)}`];
  if ('tenant' in scope) where.push(`tenant = ${p.add(scope.tenant)}`);
  else if (d === 'postgres') where.push(`contract_versions ?| ${p.add([...scope.contracts], '::text[]')}`);
  else
    where.push(
      `EXISTS (SELECT 1 FROM json_each(devices.contract_versions) AS cv WHERE cv.key IN (SELECT value FROM json_each(${p.add(JSON.stringify(scope.contracts))})))`,
    );
  const lock = d === 'postgres' ? ' FOR UPDATE' : '';
  return {
    sql: `SELECT id, tenant, contract_versions, app_version, version_level FROM devices WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${p.add(limit, intCast(d))}${lock}`,
    params: p,
  };
}

export interface VersionLevelRow {
  id: string;
  tenant: string;
  contract_versions: unknown;
  app_version: string | null;
  version_level: number | string;
}

/** The rows of a batch whose level changes, grouped by tenant (risk ranks are recomputed per tenant policy). */
export function planVersionLevels(
  rows: readonly VersionLevelRow[],
  policyOf: (tenant: string) => RiskPolicy,
  levelOf: VersionLevelRecompute['levelOf'],
): Map<string, { id: string; level: number }[]> {
  const byTenant = new Map<string, { id: string; level: number }[]>();
  for (const r of rows) {
    const level = levelOf(
      { id: r.id, tenant: r.tenant, contractVersions: parseContractVersions(r.contract_versions), appVersion: r.app_version },
      policyOf(r.tenant),
    );
    if (level === Number(r.version_level)) continue;
    const list = byTenant.get(r.tenant) ?? [];
    list.push({ id: r.id, level });
    byTenant.set(r.tenant, list);
  }
  return byTenant;
}

/** LIKE pattern for "starts with q": q's own %, _ and \ are literal. */
function prefixPattern(q: string): string {
  return `${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Sort key columns of each sort, before the final `id` tiebreak. */
function sortColumns(sort: DeviceListQuery['sort']): string[] {
  if (sort === 'pending') return ['pending_count'];
  // Level, then last seen in the same direction (so one index serves it: (tenant, risk_level, seen, id)).
  if (sort === 'level') return ['risk_level', SEEN_SQL];
  return [SEEN_SQL];
}

/** The page query and the count query of DeviceListQuery, with their bound values. */
export function deviceListSql(d: SqlDialect, q: DeviceListQuery): { page: { sql: string; params: SqlParams }; count: { sql: string; params: SqlParams } } {
  const build = (forPage: boolean): { sql: string; params: SqlParams } => {
    const p = new SqlParams(d);
    const where = [`tenant = ${p.add(q.tenant)}`];
    if (q.level !== undefined) where.push(`risk_level = ${p.add(RISK_LEVELS.indexOf(q.level), intCast(d))}`);
    if (q.q) {
      // Case-insensitive prefix of id, user or name: three index range scans (migration 4), OR-ed.
      // SQLite's LIKE folds ASCII case (the NOCASE indexes match it); PostgreSQL compares lower().
      const pat = p.add(prefixPattern(q.q));
      const col = (c: string): string => (d === 'postgres' ? `lower(${c}) LIKE lower(${pat}) ESCAPE '\\'` : `${c} LIKE ${pat} ESCAPE '\\'`);
      where.push(`(${col('id')} OR ${col('user_id')} OR ${col('name')})`);
    }
    if (!forPage) return { sql: `SELECT COUNT(*) AS n FROM devices WHERE ${where.join(' AND ')}`, params: p };

    const cols = sortColumns(q.sort);
    // daysOffline ascending is "most recently seen first", i.e. seen descending.
    const desc = q.sort === 'daysOffline' ? q.dir === 'asc' : q.dir === 'desc';
    if (q.after) {
      const casts = cols.map((c) => (c === SEEN_SQL ? tsCast(d) : intCast(d)));
      const vals = q.after.key.map((k, i) => p.add(k, casts[i]));
      where.push(`(${[...cols, 'id'].join(', ')}) ${desc ? '<' : '>'} (${[...vals, p.add(q.after.id)].join(', ')})`);
    }
    const dir = desc ? 'DESC' : 'ASC';
    const order = [...cols, 'id'].map((c) => `${c} ${dir}`).join(', ');
    return { sql: `SELECT * FROM devices WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${p.add(q.limit, intCast(d))}`, params: p };
  };
  return { page: build(true), count: build(false) };
}

/** The keyset values of a row for a sort (what the next page's `after.key` is). */
export function sortKeyOf(row: DeviceRecord, sort: DeviceListQuery['sort']): (string | number)[] {
  const seen = row.lastSyncAt ?? row.enrolledAt;
  if (sort === 'level') return [row.riskLevel, seen];
  if (sort === 'pending') return [row.pendingCount];
  return [seen];
}

export function riskSummarySql(d: SqlDialect, q: { tenant: string; now: string }): { sql: string; params: SqlParams } {
  const p = new SqlParams(d);
  const ts = tsCast(d);
  const b1 = p.add(cutoff(q.now, 1), ts);
  const b7 = p.add(cutoff(q.now, 7), ts);
  const b14 = p.add(cutoff(q.now, 14), ts);
  const b30 = p.add(cutoff(q.now, 30), ts);
  // Bucket "a-b" holds a < days ≤ b (0-1 includes 0), the same strict boundaries as the risk rules.
  const bucket = `CASE WHEN ${SEEN_SQL} >= ${b1} THEN 0 WHEN ${SEEN_SQL} >= ${b7} THEN 1 WHEN ${SEEN_SQL} >= ${b14} THEN 2 WHEN ${SEEN_SQL} >= ${b30} THEN 3 ELSE 4 END`;
  const tenant = p.add(q.tenant);
  const sql = `SELECT 'level' AS kind, risk_level AS k, COUNT(*) AS n FROM devices WHERE tenant = ${tenant} AND revoked_at IS NULL GROUP BY 2
    UNION ALL SELECT 'bucket' AS kind, ${bucket} AS k, COUNT(*) AS n FROM devices WHERE tenant = ${tenant} AND revoked_at IS NULL GROUP BY 2
    UNION ALL SELECT 'revoked' AS kind, 0 AS k, COUNT(*) AS n FROM devices WHERE tenant = ${tenant} AND revoked_at IS NOT NULL`;
  return { sql, params: p };
}

export function toSummary(rows: readonly { kind: string; k: number | string; n: number | string }[]): RiskSummaryCounts {
  const levels = Object.fromEntries(RISK_LEVELS.map((l) => [l, 0])) as Record<RiskLevel, number>;
  const daysSinceSync = Object.fromEntries(HISTOGRAM_BUCKETS.map((b) => [b, 0])) as Record<HistogramBucket, number>;
  let revoked = 0;
  for (const r of rows) {
    const k = Number(r.k);
    const n = Number(r.n);
    if (r.kind === 'level') levels[RISK_LEVELS[k]!] += n;
    else if (r.kind === 'bucket') daysSinceSync[HISTOGRAM_BUCKETS[k]!] += n;
    else revoked += n;
  }
  return { levels, daysSinceSync, revoked };
}
