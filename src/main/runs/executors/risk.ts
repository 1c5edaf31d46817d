// classify-risk@1 and review-gate@1: the run's lane (from the guard's lane classification) and the
// human gate that a RED lane needs.
import { LANES, type Lane } from '../../../shared/workflow/types';
import type { AiFacts, Executor, StepContext } from './types';
import { textFields } from './text';
import { FALLBACK_MODEL } from './ai';

const rank = (l: Lane) => LANES.indexOf(l);

/**
 * What the risk steps tell the guard: the captured free text (scanned for injection), the model of
 * the last model step (the rule-based classifier when there was none) and the highest uncertainty
 * of the model steps so far (so a shaky summary or translation raises the lane).
 */
export function priorAi(ctx: StepContext): AiFacts {
  const ai = ctx.prior.filter((p) => p.executor.startsWith('ai-'));
  const uncertainty = ai.length ? Math.max(...ai.map((p) => p.uncertainty ?? 1)) : 0.1;
  const modelId = ai.length ? String(ai[ai.length - 1]!.output.model ?? FALLBACK_MODEL) : FALLBACK_MODEL;
  return { modelId, inputs: textFields(ctx.input).map((t) => ({ source: 'capture', text: t.text, id: `${ctx.runId}#${t.path}` })), uncertainty };
}

/** The lane the run is in: the last classify-risk result, else the guard's lane for this step. */
export function currentLane(ctx: StepContext): { lane: Lane; reasons: string[] } {
  for (let i = ctx.prior.length - 1; i >= 0; i--) {
    const p = ctx.prior[i]!;
    if (p.executor === 'classify-risk' && typeof p.output.lane === 'string') return { lane: p.output.lane as Lane, reasons: (p.output.reasons as string[] | undefined) ?? [] };
  }
  return { lane: ctx.guard?.lane ?? 'RED', reasons: ctx.guard?.laneReasons ?? ['No lane classification, so RED.'] };
}

export const classifyRisk: Executor = {
  name: 'classify-risk',
  majors: [1],
  title: 'Classify the risk',
  withSchema: { type: 'object', additionalProperties: false, properties: {} },
  compensations: {},
  estimate: () => ({ tokens: 0, costCents: 0, latencyMs: 5, uncertainty: 0.1 }),
  options(ctx) {
    const lane = ctx.guard?.lane;
    return LANES.map((l) => ({
      id: `lane:${l}`,
      label: l === 'GREEN' ? 'GREEN: goes ahead' : l === 'YELLOW' ? 'YELLOW: goes ahead, shown for review' : 'RED: needs a reviewer’s approval',
      predictedQuality: lane === l ? 1 : 0,
      predictedCostCents: 0,
      latencyMs: l === 'RED' ? 3_600_000 : 0,
      uncertainty: lane === l ? 0.1 : 0.9,
    }));
  },
  ai: priorAi,
  execute(ctx) {
    const lane = ctx.guard?.lane ?? 'RED';
    const reasons = ctx.guard?.laneReasons ?? ['The guard gave no lane, so RED.'];
    return {
      output: { lane, reasons },
      usage: { tokens: 0, costCents: 0 },
      chosen: `lane:${lane}`,
      rationale: `Lane ${lane}: ${reasons.join(' ')}`,
      lane,
      uncertainty: 0.1,
    };
  },
};

export const reviewGate: Executor = {
  name: 'review-gate',
  majors: [1],
  title: 'Review gate',
  withSchema: { type: 'object', additionalProperties: false, properties: { requireApprovalAt: { enum: ['YELLOW', 'RED'] } } },
  compensations: {},
  estimate: () => ({ tokens: 0, costCents: 0, latencyMs: 1, uncertainty: 0 }),
  options(ctx) {
    const need = needsApproval(ctx);
    return [
      { id: 'proceed', label: 'Proceed without a reviewer', predictedQuality: need ? 0.2 : 1, predictedCostCents: 0, latencyMs: 0, uncertainty: need ? 0.8 : 0.1 },
      { id: 'await-approval', label: 'Wait for a reviewer’s approval', predictedQuality: need ? 1 : 0.8, predictedCostCents: 0, latencyMs: 3_600_000, uncertainty: 0.05 },
    ];
  },
  ai: priorAi,
  execute(ctx) {
    const { lane, reasons } = currentLane(ctx);
    const need = needsApproval(ctx);
    const at = (ctx.params.requireApprovalAt as Lane | undefined) ?? 'RED';
    if (need && ctx.approval.state !== 'approved') {
      return {
        output: { lane, approvalRequired: true },
        usage: { tokens: 0, costCents: 0 },
        chosen: 'await-approval',
        rationale: `Lane ${lane} needs a reviewer (gate at ${at}): ${reasons.join(' ')}`,
        wait: { reason: `Lane ${lane} needs a reviewer's approval`, nextSafeStep: `A reviewer or admin approves or rejects run ${ctx.runId}` },
      };
    }
    return {
      output: { lane, approvalRequired: need, approvedBy: need ? ctx.approval.by : null },
      usage: { tokens: 0, costCents: 0 },
      chosen: need ? 'await-approval' : 'proceed',
      rationale: need ? `Lane ${lane}: approved by ${ctx.approval.by ?? 'a reviewer'}${ctx.approval.comment ? ` (“${ctx.approval.comment}”)` : ''}.` : `Lane ${lane} is below the gate (${at}): proceed.`,
    };
  },
};

function needsApproval(ctx: StepContext): boolean {
  const at = (ctx.params.requireApprovalAt as Lane | undefined) ?? 'RED';
  return rank(currentLane(ctx).lane) >= rank(at);
}
