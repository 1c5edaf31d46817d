// bundles.* handlers (channels: src/shared/api/bundles.ts). (./api.ts is the bundle service's surface.)
import { statSync } from 'node:fs';
import { ApiError } from '../../../shared/errors';
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

/** A path that is not a folder is said so, not reported as a bundle missing its metadata. */
function folderOrRefuse(path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new ApiError('NOT_FOUND', `There is no folder at ${path}. Choose the folder of a sealed bundle (it holds metadata/ and targets/).`, {
      reason: 'no_such_folder',
      path,
    });
  }
  if (!isDir)
    throw new ApiError('VALIDATION_ERROR', `${path} is a file, not a folder. Choose the folder of a sealed bundle (it holds metadata/ and targets/).`, {
      reason: 'not_a_folder',
      path,
    });
}

export function bundlesApi({ bundles, device, profile }: BundlesApiDeps): HandlersFor<typeof bundlesChannels> {
  return {
    'bundles.report': () => bundles.report(),
    'bundles.install': (input) =>
      bundleCall(async () => {
        const src = input.source;
        if (src.kind === 'path') folderOrRefuse(src.path);
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
