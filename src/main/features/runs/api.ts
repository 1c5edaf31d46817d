// workflows.* and runs.* handlers (channels: src/shared/api/workflows.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { Profile } from '../../../shared/api/profile';
import { toLoadProblems, type workflowsChannels } from '../../../shared/api/workflows';
import type { DecideInput, RunService } from './index';
import { toRunSummaryView, toRunView } from '../../../shared/workflow/run-views';

export interface RunsApiDeps {
  runs: RunService;
  /** The local profile: who decides, in which role. */
  profile: { require(): Profile };
  /** Team sync: on an enrolled device, the signed record a remote reviewer would make (null: a plain local decision). */
  team: {
    localDecision(runId: string, decision: DecideInput['decision'], comment: string): Promise<Required<Pick<DecideInput, 'via' | 'within'>> | null>;
  };
}

export function runsApi({ runs, profile, team }: RunsApiDeps): HandlersFor<typeof workflowsChannels> {
  return {
    'workflows.list': () => ({ workflows: runs.workflows(), problems: toLoadProblems(runs.loadErrors()) }),
    'runs.start': async (input) => ({ run: toRunView(await runs.start({ workflow: input.workflow, input: input.input })) }),
    'runs.list': (input) => {
      const page = runs.list({ ...input, limit: input.limit ?? 100 });
      return { runs: page.items.map(toRunSummaryView), nextBeforeId: page.nextBeforeId };
    },
    'runs.get': (input) => ({ run: toRunView(runs.get(input.id)), cards: runs.cards.forRun(input.id) }),
    'runs.decide': async (input) => {
      const p = profile.require();
      const decision = input.decision === 'approve' ? 'approved' : 'rejected';
      // Enrolled: the same signed record a remote reviewer makes, applied here and sent to the server.
      const signed = p.role === 'reviewer' || p.role === 'admin' ? await team.localDecision(input.runId, decision, input.comment) : null;
      const run = await runs.decide(input.runId, {
        decision,
        comment: input.comment,
        actor: { id: p.id, role: p.role, tenant: p.tenant },
        ...(signed ? { via: signed.via, within: signed.within } : {}),
      });
      return { run: toRunView(run) };
    },
  };
}
