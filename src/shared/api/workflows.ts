// workflows.*, runs.*: workflow manifests and their runs (src/main/features/runs).
import { Type } from '@sinclair/typebox';
import { RUN_STATUSES, type DecisionCard } from '../workflow/types';
import type { LoadProblem, RunSummary, RunView, WorkflowInfo } from '../workflow/views';
import { decisionContextSchema, type DecisionContext } from '../workflow/decision-context';
import { decisionCardSchema, loadProblemSchema, runSummarySchema, runViewSchema, workflowInfoSchema } from '../workflow/schemas';
import { teamCardViewSchema, teamDecideRequestSchema, teamRunPageSchema, teamRunQuerySchema, teamRunViewSchema } from '../team/views';
import { adminReason, anyObject, channel, empty, enumOf, foreign, nullable, obj, scopedReq, scopedRes, shortText, str } from './channel';

const runView = foreign<RunView>(runViewSchema);
const decisionCard = foreign<DecisionCard>(decisionCardSchema);

/** Files refused at a load, as the API reports them. */
export const toLoadProblems = (errors: readonly { file: string; line?: number | null; reason: string }[]): LoadProblem[] =>
  errors.map((e) => ({ file: e.file, line: e.line ?? null, reason: e.reason }));

export const workflowsChannels = {
  'workflows.list': channel(
    'Workflow manifests that loaded (allowlisted executors only), and the files refused with file, line and reason.',
    empty,
    obj({ workflows: Type.Array(foreign<WorkflowInfo>(workflowInfoSchema)), problems: Type.Array(foreign<LoadProblem>(loadProblemSchema)) }),
  ),
  'runs.start': channel(
    "Start a run of a workflow; the input must pass the workflow's input contract or no run starts.",
    obj({ workflow: shortText(200), input: anyObject() }),
    obj({ run: runView }),
  ),
  'runs.list': channel(
    "Runs, newest first, with status and progress. scope 'device' (default): this device's. scope 'tenant': every device's of the tenant, with device, user and approval state.",
    scopedReq(
      {
        status: Type.Optional(enumOf(RUN_STATUSES)),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        beforeId: Type.Optional(shortText(100)),
      },
      teamRunQuerySchema.properties,
    ),
    scopedRes({ runs: Type.Array(foreign<RunSummary>(runSummarySchema)), nextBeforeId: nullable(str()) }, teamRunPageSchema.properties),
  ),
  'runs.get': channel(
    "One run with its decision cards. scope 'device' (default): a run of this device, with its step timeline. scope 'tenant': a run of any device of the tenant (local or pulled), by device and run id.",
    scopedReq({ id: shortText(100) }, { device: shortText(64), runId: shortText(64) }),
    scopedRes({ run: runView, cards: Type.Array(decisionCard) }, { run: teamRunViewSchema, cards: Type.Array(teamCardViewSchema) }),
  ),
  'runs.context': channel(
    "What a reviewer decides on: the run's record (its contract's title fields, the values that made it RED), the AI output under review beside its sources, and what approving or rejecting does. scope 'device' (default): a run of this device. scope 'tenant': a run of any device of the tenant, as its device shared it (context null: shared by a device before this was shared).",
    scopedReq({ runId: shortText(100) }, { device: shortText(64), runId: shortText(64) }),
    obj({ context: nullable(foreign<DecisionContext>(decisionContextSchema)) }),
  ),
  'runs.decide': channel(
    "Approve or reject a run waiting for approval (reviewer or admin role); needs a comment and confirm: true. scope 'device' (default): a run of this device, audited and appended to the card. scope 'tenant': a run waiting on another device, signed by this device under its certificate, encrypted to the tenant key and queued for sync.",
    scopedReq(
      { runId: shortText(100), decision: enumOf(['approve', 'reject']), comment: adminReason(), confirm: Type.Literal(true) },
      teamDecideRequestSchema.properties,
    ),
    scopedRes({ run: runView }, { approvalId: str(), state: Type.Literal('queued') }),
  ),
};

export const workflowsEvents = {
  /** A run changed state or finished a step (the runs and cards views refresh). */
  'runs.changed': obj({ runId: str(), status: enumOf(RUN_STATUSES) }),
};
