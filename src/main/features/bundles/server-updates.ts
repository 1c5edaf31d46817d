// Policy and workflow updates announced on the team pull: a newer signed bundle is fetched and
// verified (contracts keep their own path: the contract map in every sync reply). A version that
// failed is not tried again until the server offers another.
import { msg, type Message } from '../../../shared/messages';
import { thrownCause, withCause } from '../../../shared/error-messages';
import { compareSemver } from '../../../shared/semver';
import type { BundleReader, BundleService } from './types';

export interface ServerUpdateDeps {
  bundles: Pick<BundleService, 'active' | 'install'>;
  /** A reader of the server's copy of one bundle (server-source.ts serverReader). */
  readerFor(name: string): Promise<BundleReader>;
  alert(code: string, message: Message, subject: string): void;
}

/** The bundles the server offers that this device installs by itself. */
const FOLLOWED = new Set(['maestro.policy', 'maestro.workflows']);

/** The handler of the server's bundle listing: installs each newer policy / workflows version once. */
export function serverBundleUpdates(d: ServerUpdateDeps): (listing: { name: string; version: string | null }[]) => Promise<void> {
  const tried = new Set<string>();
  return async (listing) => {
    for (const e of listing) {
      if (!FOLLOWED.has(e.name) || !e.version || tried.has(`${e.name}@${e.version}`)) continue;
      const cur = d.bundles.active(e.name)?.info.version;
      if (cur && (compareSemver(e.version, cur) ?? 0) <= 0) continue;
      tried.add(`${e.name}@${e.version}`);
      try {
        await d.bundles.install(await d.readerFor(e.name), { actor: 'service:team' });
      } catch (err) {
        d.alert('BUNDLE_UPDATE_FAILED', withCause(msg('alerts.bundle.update_failed', { name: e.name, version: e.version }), thrownCause(err)), e.name);
      }
    }
  };
}
