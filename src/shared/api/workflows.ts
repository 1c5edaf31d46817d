// workflows.*, runs.*: workflow manifests and their runs (src/main/features/runs).
import { Type } from '@sinclair/typebox';
import { RUN_STATUSES, type DecisionCard } from '../workflow/types';
import type { LoadProblem, RunSummary, RunView, WorkflowInfo } from '../workflow/views';
import { decisionCardSchema, loadProblemSchema, runSummarySchema, runViewSchema, workflowInfoSchema } from '../workflow/schemas';
import { adminReason, anyObject, channel, empty, enumOf, foreign, nullable, obj, shortText, str } from './channel';

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
    'Runs, newest first, with status and progress.',
    obj({
      status: Type.Optional(enumOf(RUN_STATUSES)),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
      beforeId: Type.Optional(shortText(100)),
    }),
    obj({ runs: Type.Array(foreign<RunSummary>(runSummarySchema)), nextBeforeId: nullable(str()) }),
  ),
  'runs.get': channel(
    'One run with its step timeline and its decision cards.',
    obj({ id: shortText(100) }),
    obj({ run: runView, cards: Type.Array(decisionCard) }),
  ),
  'runs.decide': channel(
    'Approve or reject a run waiting for approval (reviewer or admin role); needs a comment and confirm: true. Audited; appended to the card.',
    obj({ runId: shortText(100), decision: enumOf(['approve', 'reject']), comment: adminReason(), confirm: Type.Literal(true) }),
    obj({ run: runView }),
  ),
};

export const workflowsEvents = {
  /** A run changed state or finished a step (the runs and cards views refresh). */
  'runs.changed': obj({ runId: str(), status: enumOf(RUN_STATUSES) }),
};
