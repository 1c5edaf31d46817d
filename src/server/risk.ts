// Server side of device risk: the tenant's policy (cached briefly), the risk of a stored device,
// the admin view of a device and its daily snapshot. The rules themselves live in src/shared/risk.
import { DAY_MS, DEFAULT_RISK_POLICY, evaluateRisk, levelRank, versionLevel, type RiskPolicy, type RiskResult } from '../shared/risk';
import type { AdminDeviceView } from '../shared/server-api';
import type { DeviceRecord, ServerStorage, SnapshotInput } from './storage/types';

const POLICY_TTL_MS = 10_000;

/**
 * Per-process cache of tenant policies. A sync reads its tenant's policy on every batch; the cache
 * keeps that off the database. PUT invalidates locally; other server processes see a change within
 * POLICY_TTL_MS.
 */
export class PolicyCache {
  private readonly entries = new Map<string, { policy: RiskPolicy; custom: boolean; at: number }>();
  constructor(private readonly storage: ServerStorage) {}

  async get(tenant: string): Promise<{ policy: RiskPolicy; custom: boolean }> {
    const hit = this.entries.get(tenant);
    const now = Date.now();
    if (hit && now - hit.at < POLICY_TTL_MS) return hit;
    const stored = await this.storage.getRiskPolicy(tenant);
    const entry = { policy: stored ?? DEFAULT_RISK_POLICY, custom: stored !== null, at: now };
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(tenant, entry);
    return entry;
  }

  invalidate(tenant: string): void {
    this.entries.delete(tenant);
  }
}

const caches = new WeakMap<ServerStorage, PolicyCache>();
/** One cache per storage, shared by the routers of an app. */
export function policyCacheFor(storage: ServerStorage): PolicyCache {
  let c = caches.get(storage);
  if (!c) {
    c = new PolicyCache(storage);
    caches.set(storage, c);
  }
  return c;
}

/** The precomputed version part of a device's risk (stored as devices.version_level at each sync). */
/** What the risk figures need of the contract registry (./contracts.ts): the latest version of each contract. */
export interface LatestContracts {
  map(): Record<string, string>;
}

export function versionLevelOf(device: Pick<DeviceRecord, 'contractVersions' | 'appVersion'>, contracts: LatestContracts, policy: RiskPolicy): number {
  return levelRank(
    versionLevel({
      contractVersions: device.contractVersions,
      latestContracts: contracts.map(),
      appVersion: device.appVersion,
      latestAppVersion: policy.latestAppVersion ?? null,
    }),
  );
}

export function deviceRisk(device: DeviceRecord, contracts: LatestContracts, policy: RiskPolicy, now: Date): RiskResult {
  return evaluateRisk(
    {
      now: now.toISOString(),
      lastSyncAt: device.lastSyncAt,
      enrolledAt: device.enrolledAt,
      contractVersions: device.contractVersions,
      latestContracts: contracts.map(),
      pendingCount: device.pendingCount,
      deadLetterCount: device.deadLetterCount,
      appVersion: device.appVersion,
      latestAppVersion: policy.latestAppVersion ?? null,
      blocked: device.blockedAt !== null,
      updateRequired: device.updateRequiredAt !== null,
    },
    policy,
  );
}

export function daysOffline(device: Pick<DeviceRecord, 'lastSyncAt' | 'enrolledAt'>, now: Date): number {
  const since = Date.parse(device.lastSyncAt ?? device.enrolledAt);
  // Tenths rounded up, as the risk reasons print them ("Last sync 57.1 days ago"), so the table and
  // the reasons never disagree; exactly N days stays N.
  return Math.max(0, Math.ceil(((now.getTime() - since) / DAY_MS) * 10) / 10);
}

export function adminView(device: DeviceRecord, risk: RiskResult, now: Date): AdminDeviceView {
  return {
    id: device.id,
    user: device.user,
    name: device.name,
    tenant: device.tenant,
    enrolledAt: device.enrolledAt,
    lastSyncAt: device.lastSyncAt,
    daysOffline: daysOffline(device, now),
    appVersion: device.appVersion,
    contractVersions: device.contractVersions,
    pendingCount: device.pendingCount,
    deadLetterCount: device.deadLetterCount,
    lastCheckpointSeq: device.lastAnchorSeq,
    blocked: device.blockedAt !== null,
    blockedAt: device.blockedAt,
    blockedReason: device.blockedReason,
    updateRequired: device.updateRequiredAt !== null,
    revoked: device.revokedAt !== null,
    flagged: device.flaggedAt !== null,
    risk,
  };
}

/** UTC calendar day of a time, the key of device_snapshots. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function snapshotOf(device: DeviceRecord, risk: RiskResult, now: Date): SnapshotInput {
  return {
    day: dayOf(now),
    device: device.id,
    tenant: device.tenant,
    level: risk.level,
    pendingCount: device.pendingCount,
    deadLetterCount: device.deadLetterCount,
    lastSyncAt: device.lastSyncAt,
  };
}
