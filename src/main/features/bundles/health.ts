import type { HealthRegistry } from '../../platform/health';
import type { BundleStore } from './store';

const REQUIRED = ['maestro.policy', 'maestro.workflows', 'maestro.contracts'];
const ROOT_WARN_DAYS = 30;

/**
 * bundles.sealed: error when a required bundle has no verified active version (its consumers fail
 * closed) or no root is trusted; warn on quarantined, expired or stale versions and a root close to
 * expiry; ok otherwise.
 */
export function registerBundleHealth(health: HealthRegistry, bundles: BundleStore): void {
  health.register('bundles.sealed', () => {
    const r = bundles.report();
    const now = Date.parse(r.referenceTime);
    const active = new Set(r.bundles.filter((b) => b.active).map((b) => b.name));
    const missing = REQUIRED.filter((n) => !active.has(n));
    const count = (state: string) => r.bundles.filter((b) => b.state === state).length;
    const quarantined = count('quarantined');
    const expired = r.bundles.filter((b) => b.active && b.state === 'expired').length;
    const stale = r.bundles.filter((b) => b.active && b.state === 'stale').length;
    const rootDays = r.root.version ? (Date.parse(r.root.expires) - now) / 86_400_000 : 0;
    const problems: string[] = [];
    if (!r.root.version) problems.push('no trusted root: nothing can verify');
    if (missing.length) problems.push(`no verified ${missing.join(', ')} (fail closed)`);
    if (quarantined) problems.push(`${quarantined} version(s) quarantined`);
    if (expired) problems.push(`${expired} active bundle(s) past expiry: install a newer signed version`);
    if (stale) problems.push(`${stale} active bundle(s) overdue for a full re-hash`);
    if (r.root.version && rootDays < ROOT_WARN_DAYS) problems.push(`trusted root expires in ${Math.max(0, Math.floor(rootDays))} days`);
    const status = !r.root.version || missing.length ? 'error' : problems.length ? 'warn' : 'ok';
    return {
      service: 'bundles',
      status,
      summary: problems.length ? problems.join('; ') : `${active.size} bundles verified and active under root v${r.root.version}.`,
      figures: {
        rootVersion: r.root.version,
        active: active.size,
        installed: r.bundles.length,
        quarantined,
        expired,
        stale,
        lastStartupCheckMs: r.lastStartupCheck?.durationMs ?? null,
      },
    };
  });
}
