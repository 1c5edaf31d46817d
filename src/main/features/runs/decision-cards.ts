// The decision cards the engine writes: one per step decision (its step.before guard, the engine's
// budget checks, the executor's options and choice, and the step.after guard), and the run.start card.
import type { GuardResult } from '../../../shared/policy/types';
import type { DecisionOption, InvariantResult, WorkflowManifest, WorkflowStep } from '../../../shared/workflow/types';
import { reasonsOf, type Verdict } from './guard';
import { executorName } from './manifest';
import type { NewCard } from './ports';
import { laneRank, type RunRow } from './rows';

export interface StepCardChoice {
  options: DecisionOption[];
  chosen: string | null;
  rationale: string;
  status: NewCard['status'];
  modelId: string | null;
  nextSafeStep: string | null;
  after?: GuardResult | null;
  memoryIds?: string[];
}

export function stepCard(row: RunRow, step: WorkflowStep, g: GuardResult, engine: InvariantResult[], c: StepCardChoice): NewCard {
  const ex = executorName(step.uses);
  const after = c.after ?? null;
  const lane = after && laneRank(after.lane) > laneRank(g.lane) ? after.lane : g.lane;
  return {
    kind: 'step',
    runId: row.id,
    stepId: step.id,
    subject: `${row.title} · ${step.title ?? `${step.id} (${ex})`}`,
    options: c.options,
    chosen: c.chosen,
    rationale: c.rationale,
    invariants: [...g.invariants, ...engine, ...(after?.invariants ?? [])],
    policy: after && after.policy.decision === 'deny' ? after.policy : g.policy,
    lane,
    laneReasons: [...new Set([...g.laneReasons, ...(after?.laneReasons ?? [])])],
    evidence: { memoryIds: [...new Set(c.memoryIds ?? [])], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: c.modelId },
    nextSafeStep: c.nextSafeStep,
    status: c.status,
  };
}

/** The run.start card: start or refuse, by the guard's verdict on run.start. */
export function startCard(row: RunRow, m: WorkflowManifest, g: GuardResult, verdict: Verdict): NewCard {
  return {
    kind: 'run.start',
    runId: row.id,
    stepId: null,
    subject: `${row.title} · start`,
    options: [
      {
        id: 'start',
        label: `Start ${m.title}`,
        predictedQuality: 1,
        predictedCostCents: m.budgets.costCents,
        latencyMs: m.budgets.wallTimeMs,
        uncertainty: 0.2,
      },
      { id: 'refuse', label: 'Do not start', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 0 },
    ],
    chosen: verdict === 'block' ? 'refuse' : 'start',
    rationale:
      verdict === 'allow'
        ? `The input satisfies ${m.input.contract}; ${g.policy.reasons.join('; ') || 'the guard allowed the start'}.`
        : verdict === 'wait'
          ? `The start waits for a reviewer: ${reasonsOf(g, []).join('; ')}`
          : `The start was refused: ${reasonsOf(g, []).join('; ')}`,
    invariants: g.invariants,
    policy: g.policy,
    lane: g.lane,
    laneReasons: g.laneReasons,
    evidence: { memoryIds: [], bundleDigests: [`sha256:${row.manifest_digest}`], modelId: null },
    nextSafeStep: verdict === 'allow' ? null : g.nextSafeStep,
    status: verdict === 'allow' ? 'allowed' : verdict === 'wait' ? 'awaiting_approval' : 'denied',
  };
}
