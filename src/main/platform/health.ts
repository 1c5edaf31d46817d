import type { CheckStatus, HealthCheck, HealthReport } from '../../shared/api/types';

export type CheckResult = Omit<HealthCheck, 'id'>;
export type CheckFn = () => CheckResult;

/** Each service registers its own checks; `system.health` runs them all. */
export interface HealthRegistry {
  register(id: string, fn: CheckFn): void;
  run(nowIso: string): HealthReport;
}

const rank: Record<CheckStatus, number> = { ok: 0, warn: 1, error: 2 };

export function createHealthRegistry(): HealthRegistry {
  const checks = new Map<string, CheckFn>();
  return {
    register(id, fn) {
      checks.set(id, fn);
    },
    run(nowIso) {
      const results: HealthCheck[] = [];
      for (const [id, fn] of checks) {
        try {
          results.push({ id, ...fn() });
        } catch (e) {
          results.push({ id, service: id.split('.')[0] ?? id, status: 'error', summary: `Check failed: ${(e as Error).message}`, figures: {} });
        }
      }
      const status = results.reduce<CheckStatus>((s, c) => (rank[c.status] > rank[s] ? c.status : s), 'ok');
      return { status, checkedAt: nowIso, checks: results };
    },
  };
}
