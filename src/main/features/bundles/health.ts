import type { HealthRegistry } from '../../platform/health';
import { msg, type Message } from '../../../shared/messages';
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
    // Each problem as a message (health.check.bundles.sealed.*) for the view, and in English for logs.
    const problems: [Message, string][] = [];
    const add = (key: string, params: Record<string, string | number>, english: string) =>
      problems.push([msg(`health.check.bundles.sealed.${key}`, params), english]);
    if (!r.root.version) add('no_root', {}, 'no trusted root: nothing can verify');
    if (missing.length) add('missing', { names: missing.join(', ') }, `no verified ${missing.join(', ')} (fail closed)`);
    if (quarantined) add('quarantined', { count: quarantined }, `${quarantined} version(s) quarantined`);
    if (expired) add('expired', { count: expired }, `${expired} active bundle(s) past expiry: install a newer signed version`);
    if (stale) add('stale', { count: stale }, `${stale} active bundle(s) overdue for a full re-hash`);
    if (r.root.version && rootDays < ROOT_WARN_DAYS) {
      const days = Math.max(0, Math.floor(rootDays));
      add('root_expires', { days }, `trusted root expires in ${days} days`);
    }
    const status = !r.root.version || missing.length ? 'error' : problems.length ? 'warn' : 'ok';
    return {
      service: 'bundles',
      status,
      summary: problems.length ? problems.map(([, e]) => e).join('; ') : `${active.size} bundles verified and active under root v${r.root.version}.`,
      // The view joins messages with spaces: each problem but the last ends with "; " (`last`).
      messages: problems.length
        ? problems.map(([m], i) => ({ code: m.code, params: { ...m.params, last: i === problems.length - 1 ? 'yes' : 'no' } }))
        : [msg('health.check.bundles.sealed.ok', { count: active.size, root: String(r.root.version) })],
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
