// bundles.* handlers (channels: src/shared/api/bundles.ts). (./api.ts is the bundle service's surface.)
import type { bundlesChannels } from '../../../shared/api/bundles';
import type { HandlersFor } from '../../../shared/api/channel';
import { BundleError } from '../../../shared/bundles/errors';
import { serverBundles, serverReader, type ServerSourceDeps } from './server-source';
import type { BundleStore } from './store';
import { dirReader } from './verify';

/** Bundle refusals travel as BUNDLE_REFUSED with the attack code in details.refusal. */
async function bundleCall<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof BundleError) throw e.toApiError();
    throw e;
  }
}

export interface BundlesApiDeps {
  bundles: BundleStore;
  /** The enrolled device's credential and transport, for bundles from the sync server. */
  device: ServerSourceDeps;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function bundlesApi({ bundles, device, profile }: BundlesApiDeps): HandlersFor<typeof bundlesChannels> {
  return {
    'bundles.report': () => bundles.report(),
    'bundles.install': (input) =>
      bundleCall(async () => {
        const src = input.source;
        const reader = src.kind === 'path' ? dirReader(src.path) : await serverReader(device, src.name);
        return bundles.install(reader, { actor: profile.actor(), opId: input.opId });
      }),
    'bundles.available': async () => {
      const installed = bundles.installedVersions();
      const list = await serverBundles(device);
      return { bundles: list.map((b) => ({ name: b.name, version: b.version, installed: installed[b.name] ?? null })) };
    },
    'bundles.verify': (input) => bundleCall(async () => ({ results: await bundles.verifyInstalled(input.id, { opId: input.opId }) })),
    'bundles.activate': (input) => bundleCall(() => bundles.activate(input.id, input.reason, profile.actor())),
  };
}
