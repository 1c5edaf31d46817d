// updates.* handlers (channels: src/shared/api/updates.ts).
import type { UpdateStatus } from '../../../shared/bundles/types';
import type { HandlersFor } from '../../../shared/api/channel';
import type { updatesChannels } from '../../../shared/api/updates';
import { ApiError } from '../../../shared/errors';
import type { UpdateService } from './index';

export interface UpdatesApiDeps {
  updates: UpdateService;
  /** Downloads and installs a verified update (the Electron host sets it; the web host has none). Asked on each call. */
  installer: () => { install(): Promise<UpdateStatus> } | undefined;
}

export function updatesApi({ updates, installer }: UpdatesApiDeps): HandlersFor<typeof updatesChannels> {
  return {
    'updates.status': () => updates.status(),
    'updates.install': () => {
      const i = installer();
      if (!i) throw new ApiError('UNAVAILABLE', 'This host cannot install updates; install the new version with the desktop app', { reason: 'web_host' });
      return i.install();
    },
  };
}
