import type { CheckStatus, HealthCheck, HealthReport } from '../../shared/api/types';
import { msg } from '../../shared/messages';

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
          const error = (e as Error).message;
          const service = id.split('.')[0] ?? id;
          // The thrown text as it is (an exception's own words): the view says "Check failed: …" around it.
          results.push({ id, service, status: 'error', summary: `Check failed: ${error}`, messages: [msg('health.check.failed', { error })], figures: {} });
        }
      }
      const status = results.reduce<CheckStatus>((s, c) => (rank[c.status] > rank[s] ? c.status : s), 'ok');
      return { status, checkedAt: nowIso, checks: results };
    },
  };
}
