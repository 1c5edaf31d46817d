// workflows.* and runs.* handlers (channels: src/shared/api/workflows.ts).
import type { HandlersFor, ReqOf } from '../../../shared/api/channel';
import type { Profile } from '../../../shared/api/profile';
import { toLoadProblems, type workflowsChannels } from '../../../shared/api/workflows';
import type { TeamCardView, TeamPage, TeamRunQuery, TeamRunView } from '../../../shared/team/views';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import type { DecideInput, RunService } from './index';
import { toRunSummaryView, toRunView } from '../../../shared/workflow/run-views';

type Decision = DecideInput['decision'];

export interface RunsApiDeps {
  runs: RunService;
  /** The local profile: who decides, in which role. */
  profile: { require(): Profile };
  /** Team sync (src/main/features/team): the tenant's runs, and decisions signed under this device's certificate. */
  team: {
    /** On an enrolled device, the signed record a remote reviewer would make (null: a plain local decision). */
    localDecision(runId: string, decision: Decision, comment: string): Promise<Required<Pick<DecideInput, 'via' | 'within'>> | null>;
    runsPage(q: TeamRunQuery): TeamPage<TeamRunView>;
    run(device: string, runId: string): { run: TeamRunView; cards: TeamCardView[] };
    /** The decision context a run's device shared (null: shared before it carried one). */
    runContext(device: string, runId: string): DecisionContext | null;
    decideRemote(req: { device: string; runId: string; cardId: string; decision: Decision; comment: string }): Promise<{ approvalId: string; state: 'queued' }>;
  };
  /** Sends the outbox now (a decision on another device's run leaves at once when the server answers). */
  sync: { syncNow(): Promise<unknown> };
}

type DecideReq = ReqOf<(typeof workflowsChannels)['runs.decide']>;

export function runsApi({ runs, profile, team, sync }: RunsApiDeps): HandlersFor<typeof workflowsChannels> {
  const decideHere = async (input: Exclude<DecideReq, { scope: 'tenant' }>) => {
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
    return { scope: 'device' as const, run: toRunView(run) };
  };
  return {
    'workflows.list': () => ({ workflows: runs.workflows(), problems: toLoadProblems(runs.loadErrors()) }),
    'runs.start': async (input) => ({ run: toRunView(await runs.start({ workflow: input.workflow, input: input.input })) }),
    'runs.list': ({ scope, ...q }) => {
      if (scope === 'tenant') return { scope, ...team.runsPage(q) };
      const page = runs.list({ ...q, limit: q.limit ?? 100 });
      return { scope: 'device', runs: page.items.map(toRunSummaryView), nextBeforeId: page.nextBeforeId };
    },
    'runs.get': (input) =>
      input.scope === 'tenant'
        ? { scope: 'tenant', ...team.run(input.device, input.runId) }
        : { scope: 'device', run: toRunView(runs.get(input.id)), cards: runs.cards.forRun(input.id) },
    'runs.context': (input) => ({ context: input.scope === 'tenant' ? team.runContext(input.device, input.runId) : runs.context(input.runId) }),
    'runs.decide': async (input) => {
      if (input.scope !== 'tenant') return decideHere(input);
      const { device, runId, cardId, comment } = input;
      const res = await team.decideRemote({ device, runId, cardId, decision: input.decision === 'approve' ? 'approved' : 'rejected', comment });
      // Send it now when the server answers; offline it waits in the outbox like any item.
      void sync.syncNow().catch(() => {});
      return { scope: 'tenant', ...res };
    },
  };
}
