// The decision cards the engine writes: one per step decision (its step.before guard, the engine's
// budget checks, the executor's options and choice, and the step.after guard), and the run.start card.
import { messageForLog } from '../../../shared/messages';
import type { GuardResult } from '../../../shared/policy/types';
import type { Reason } from '../../../shared/policy/reasons';
import type { DecisionOption, InvariantResult, WorkflowManifest, WorkflowStep, Words } from '../../../shared/workflow/types';
import { reasonsOf, reasonWordsOf, type Verdict } from './guard';
import { executorName } from './manifest';
import type { NewCard } from './ports';
import { laneRank, type RunRow } from './rows';
import { runWords } from './words';

export interface StepCardChoice {
  options: DecisionOption[];
  chosen: string | null;
  rationale: string;
  /** The rationale for people, when the writer has it as a message (the engine's own; some executors'). */
  words?: Words;
  status: NewCard['status'];
  modelId: string | null;
  nextSafeStep: Reason | null;
  after?: GuardResult | null;
  memoryIds?: string[];
}

export function stepCard(row: RunRow, step: WorkflowStep, g: GuardResult, engine: InvariantResult[], c: StepCardChoice): NewCard {
  const ex = executorName(step.uses);
  const after = c.after ?? null;
  const lane = after && laneRank(after.lane) > laneRank(g.lane) ? after.lane : g.lane;
  const stepTitle = step.title ?? `${step.id} (${ex})`;
  return {
    kind: 'step',
    runId: row.id,
    stepId: step.id,
    subject: `${row.title} · ${stepTitle}`,
    // The workflow and the step by id, so the renderer words both titles from the workflow's own words.
    subjectWords: runWords('step_subject', { title: row.title, stepTitle, workflow: row.workflow, step: step.id }),
    options: c.options,
    chosen: c.chosen,
    rationale: c.rationale,
    ...(c.words ? { rationaleWords: c.words } : {}),
    invariants: [...g.invariants, ...engine, ...(after?.invariants ?? [])],
    policy: after && after.policy.decision === 'deny' ? after.policy : g.policy,
    lane,
    // Each reason once (messages compare by code and params).
    laneReasons: [...new Map([...g.laneReasons, ...(after?.laneReasons ?? [])].map((r) => [messageForLog(r), r])).values()],
    evidence: { memoryIds: [...new Set(c.memoryIds ?? [])], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: c.modelId },
    nextSafeStep: c.nextSafeStep,
    status: c.status,
  };
}

/** The run.start card's rationale: its log form (the policy's reasons as codes) and its words. */
function startRationale(m: WorkflowManifest, g: GuardResult, verdict: Verdict): { rationale: string; rationaleWords: Words } {
  if (verdict === 'allow') {
    const { reasons } = g.policy;
    return {
      rationale: `The input satisfies ${m.input.contract}; ${reasons.map(messageForLog).join('; ') || 'the guard allowed the start'}.`,
      rationaleWords: reasons.length
        ? runWords('start_allowed', { contract: m.input.contract }, reasons)
        : runWords('start_allowed_bare', { contract: m.input.contract }),
    };
  }
  const why = reasonWordsOf(g, []);
  return verdict === 'wait'
    ? { rationale: `The start waits for a reviewer: ${reasonsOf(g, []).join('; ')}`, rationaleWords: runWords('start_waits', {}, why) }
    : { rationale: `The start was refused: ${reasonsOf(g, []).join('; ')}`, rationaleWords: runWords('start_refused', {}, why) };
}

/** The run.start card: start or refuse, by the guard's verdict on run.start. */
export function startCard(row: RunRow, m: WorkflowManifest, g: GuardResult, verdict: Verdict): NewCard {
  return {
    kind: 'run.start',
    runId: row.id,
    stepId: null,
    subject: `${row.title} · start`,
    subjectWords: runWords('start_subject', { title: row.title, workflow: row.workflow }),
    options: [
      {
        id: 'start',
        label: `Start ${m.title}`,
        labelWords: runWords('start_option', { workflow: m.title }),
        predictedQuality: 1,
        predictedCostCents: m.budgets.costCents,
        latencyMs: m.budgets.wallTimeMs,
        uncertainty: 0.2,
      },
      {
        id: 'refuse',
        label: 'Do not start',
        labelWords: runWords('refuse_option'),
        predictedQuality: 0,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0,
      },
    ],
    chosen: verdict === 'block' ? 'refuse' : 'start',
    ...startRationale(m, g, verdict),
    invariants: g.invariants,
    policy: g.policy,
    lane: g.lane,
    laneReasons: g.laneReasons,
    evidence: { memoryIds: [], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: null },
    nextSafeStep: verdict === 'allow' ? null : g.nextSafeStep,
    status: verdict === 'allow' ? 'allowed' : verdict === 'wait' ? 'awaiting_approval' : 'denied',
  };
}
