// team.* handlers (channels: src/shared/api/team.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { teamChannels } from '../../../shared/api/team';
import type { TeamService } from './index';

export interface TeamApiDeps {
  team: TeamService;
}

export function teamApi({ team }: TeamApiDeps): HandlersFor<typeof teamChannels> {
  return {
    'team.status': () => team.status(),
    'team.pull': async () => {
      await team.prepare();
      // Approvals pulled earlier and not yet applied (the pull above is skipped while the vault is locked).
      await team.processInbox();
      return team.status();
    },
    'team.skip': (input) => team.skip(input.seq, input.reason),
    'team.refusals': (input) => ({ items: team.refusals(input.limit ?? 100) }),
    'team.peers': () => ({ items: team.peers() }),
    'team.directory': () => team.directory(),
    'team.records': (input) => team.records(input),
  };
}
