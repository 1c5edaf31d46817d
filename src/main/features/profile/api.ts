// profile.* handlers (channels: src/shared/api/profile.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { profileChannels } from '../../../shared/api/profile';
import type { ProfileService } from './index';

export function profileApi({ profile }: { profile: ProfileService }): HandlersFor<typeof profileChannels> {
  return {
    'profile.get': () => ({ profile: profile.get() }),
    'profile.setup': (input) => ({ profile: profile.setup(input) }),
  };
}
