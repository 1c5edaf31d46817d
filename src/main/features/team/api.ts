// team.* handlers (channels: src/shared/api/team.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { teamChannels } from '../../../shared/api/team';
import type { TeamService } from './index';

export interface TeamApiDeps {
  team: TeamService;
  /** Sends the outbox now (a decision made here leaves at once when the server answers). */
  sync: { syncNow(): Promise<unknown> };
}

export function teamApi({ team, sync }: TeamApiDeps): HandlersFor<typeof teamChannels> {
  return {
    'team.status': () => team.status(),
    'team.pull': async () => {
      await team.prepare();
      // Approvals pulled earlier and not yet applied (the pull above is skipped while the vault is locked).
      await team.processInbox();
      return team.status();
    },
    'team.skip': (input) => team.skip(input.seq, input.reason),
    'team.cards': (input) => team.cards(input),
    'team.runs': (input) => team.runsPage(input),
    'team.run': (input) => team.run(input.device, input.runId),
    'team.decide': async (input) => {
      const res = await team.decideRemote({
        device: input.device,
        runId: input.runId,
        cardId: input.cardId,
        decision: input.decision === 'approve' ? 'approved' : 'rejected',
        comment: input.comment,
      });
      // Send it now when the server answers; offline it waits in the outbox like any item.
      void sync.syncNow().catch(() => {});
      return res;
    },
    'team.refusals': (input) => ({ items: team.refusals(input.limit ?? 100) }),
    'team.peers': () => ({ items: team.peers() }),
    'team.records': (input) => team.records(input),
  };
}
