// admin.* handlers (channels: src/shared/api/admin.ts).
import type { adminChannels } from '../../../shared/api/admin';
import type { HandlersFor } from '../../../shared/api/channel';
import type { AdminClient } from './index';

export interface AdminApiDeps {
  admin: AdminClient;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function adminApi({ admin, profile }: AdminApiDeps): HandlersFor<typeof adminChannels> {
  return {
    'admin.devices.list': (input) => admin.listDevices(input),
    'admin.devices.get': (input) => admin.device(input.id),
    'admin.devices.act': (input) => admin.act(input.id, input.action, input.reason, profile.actor()),
    'admin.summary': () => admin.summary(),
    'admin.policy.get': () => admin.riskPolicy(),
    'admin.policy.set': (input) => admin.setRiskPolicy(input.policy, input.reason, profile.actor()),
  };
}
