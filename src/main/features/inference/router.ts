// The arm router of the AI steps: run the local model, the deterministic fallback, or nothing.
//
// Pure and synchronous (the executors call it from estimate(), before the guard), so the options on
// a step's decision card are exactly the ones that decided the step.
//
// Scoring, per arm:
// - predicted cost: 0 cents for both arms (the model runs on this device; cents are for paid calls).
// - predicted tokens: the model arm's `tokensEstimate` (prompt + output, every call of the step);
//   the fallback's `fallbackTokens` (what it bills: the text it reads and writes, default 0).
// - predicted latency: the model arm MODEL_OVERHEAD_MS + prompt tokens ÷ (tps × PROMPT_SPEEDUP) +
//   output tokens ÷ tps, with tps the model's last measured generation rate (DEFAULT_MODEL_TPS, a
//   conservative CPU rate, until one was measured); the fallback's `fallbackLatencyMs`.
// - fits: tokens ≤ the run's tokens left, latency ≤ its wall time left, cost ≤ its cents left.
// - utility = predictedQuality × (1 − uncertainty).
// Choice: among the arms that are available (the model arm only with a loaded model) and fit, the
// one with the highest utility; a tie goes to the fallback (deterministic, cheaper). With the
// executors' predictions the model wins whenever it is available and fits, except where the
// fallback is exact (a translation between the same language is a pass-through). When nothing fits,
// 'skip': the executors then report the fallback's estimate, so the engine's own budget invariants
// block the step (an AI step never silently produces nothing).
import type { DecisionOption } from '../../../shared/workflow/types';

export type RoutedStep = 'summarize' | 'translate' | 'classify';
export type Arm = 'model' | 'fallback' | 'skip';

/** The option ids on decision cards: what `chosen` names. */
export const ARM_OPTION_ID: Readonly<Record<Arm, string>> = Object.freeze({ model: 'local-model', fallback: 'fallback', skip: 'skip' });

/** Assumed generation rate (tokens/s) before the model has measured one: a small model on a laptop CPU. */
export const DEFAULT_MODEL_TPS = 10;
/** Prompt evaluation is batched: this many times faster per token than generation. */
export const PROMPT_SPEEDUP = 8;
/** Per-step fixed cost of the model arm (sequence hand-out, tokenising, the first token), ms. */
export const MODEL_OVERHEAD_MS = 250;

export interface BudgetLeft {
  tokens: number;
  costCents: number;
  wallMs: number;
}

export interface ArmRequest {
  step: RoutedStep;
  /** A text model is loaded (InferenceService.text() !== null). */
  modelAvailable: boolean;
  /** Tokens the model arm would use: prompts + outputs of every call of the step. */
  tokensEstimate: number;
  /** Of those, the generated ones (default a third): generation is the slow part. */
  outputTokens?: number;
  /** What the run has left before this step. */
  budgetLeft: BudgetLeft;
  /** The model's measured generation rate, tokens/s (null/absent: DEFAULT_MODEL_TPS). */
  modelTps?: number | null;
  uncertaintyModel: number;
  uncertaintyFallback: number;
  qualityModel: number;
  qualityFallback: number;
  /** Tokens the fallback bills (default 0). */
  fallbackTokens?: number;
  /** The fallback's latency, ms (default 10). */
  fallbackLatencyMs?: number;
  /** For the labels: the model's bundle id and the fallback's id. */
  modelId?: string | null;
  fallbackId?: string;
  /** Why no model is available (label and reason); default "no local text model is loaded". */
  unavailableReason?: string;
}

export interface ArmPrediction {
  available: boolean;
  fits: boolean;
  tokens: number;
  latencyMs: number;
  costCents: number;
  utility: number;
  /** What does not fit, in words (empty when it fits). */
  misses: string[];
}

export interface ArmDecision {
  chosen: Arm;
  /** local-model, fallback, skip: every arm with its predictions (DecisionOption). */
  options: DecisionOption[];
  reason: string;
  model: ArmPrediction;
  fallback: ArmPrediction;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const fmtMs = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtN = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '∞');

/** Predicted latency of the model arm, ms (see the top of the file). */
export function modelLatencyMs(tokensEstimate: number, outputTokens: number, tps: number | null | undefined): number {
  const rate = tps && Number.isFinite(tps) && tps > 0 ? tps : DEFAULT_MODEL_TPS;
  const out = Math.max(0, Math.min(outputTokens, tokensEstimate));
  const prompt = Math.max(0, tokensEstimate - out);
  return Math.ceil(MODEL_OVERHEAD_MS + (prompt * 1000) / (rate * PROMPT_SPEEDUP) + (out * 1000) / rate);
}

function fit(tokens: number, latencyMs: number, costCents: number, left: BudgetLeft): string[] {
  const misses: string[] = [];
  if (tokens > left.tokens) misses.push(`≈${fmtN(tokens)} tokens, ${fmtN(Math.max(0, left.tokens))} left`);
  if (latencyMs > left.wallMs) misses.push(`≈${fmtMs(latencyMs)}, ${fmtMs(Math.max(0, left.wallMs))} of wall time left`);
  if (costCents > left.costCents) misses.push(`${costCents} cents, ${fmtN(Math.max(0, left.costCents))} left`);
  return misses;
}

/** Pick the arm of an AI step; see the top of the file for the scoring. */
export function chooseArm(r: ArmRequest): ArmDecision {
  const left = r.budgetLeft;
  const qM = clamp01(r.qualityModel);
  const uM = clamp01(r.uncertaintyModel);
  const qF = clamp01(r.qualityFallback);
  const uF = clamp01(r.uncertaintyFallback);
  const mTokens = Math.max(0, Math.ceil(r.tokensEstimate));
  const mOut = r.outputTokens ?? Math.ceil(mTokens / 3);
  const mLatency = modelLatencyMs(mTokens, mOut, r.modelTps);
  const mMisses = fit(mTokens, mLatency, 0, left);
  const model: ArmPrediction = {
    available: r.modelAvailable,
    fits: mMisses.length === 0,
    tokens: mTokens,
    latencyMs: mLatency,
    costCents: 0,
    utility: round3(qM * (1 - uM)),
    misses: mMisses,
  };
  const fTokens = Math.max(0, Math.ceil(r.fallbackTokens ?? 0));
  const fLatency = Math.max(0, Math.ceil(r.fallbackLatencyMs ?? 10));
  const fMisses = fit(fTokens, fLatency, 0, left);
  const fallback: ArmPrediction = {
    available: true,
    fits: fMisses.length === 0,
    tokens: fTokens,
    latencyMs: fLatency,
    costCents: 0,
    utility: round3(qF * (1 - uF)),
    misses: fMisses,
  };

  const modelName = r.modelId ?? 'the local model';
  const fallbackName = r.fallbackId ?? 'the fallback';
  const unavailable = r.unavailableReason ?? 'no local text model is loaded';
  let chosen: Arm;
  let reason: string;
  const modelOk = model.available && model.fits;
  if (modelOk && (!fallback.fits || model.utility > fallback.utility)) {
    chosen = 'model';
    reason = `${modelName} fits the run's budget (≈${fmtN(mTokens)} of ${fmtN(left.tokens)} tokens left, ≈${fmtMs(mLatency)} of ${fmtMs(left.wallMs)}) and scores ${model.utility} against ${fallbackName}'s ${fallback.utility}.`;
  } else if (fallback.fits) {
    chosen = 'fallback';
    reason = !model.available
      ? `${unavailable}: ${fallbackName} runs.`
      : !model.fits
        ? `${modelName} does not fit the run's budget (${mMisses.join('; ')}): ${fallbackName} runs.`
        : `${fallbackName} scores ${fallback.utility}, at least ${modelName}'s ${model.utility}: it runs.`;
  } else {
    chosen = 'skip';
    reason = `Nothing fits the run's budget (${fallbackName}: ${fMisses.join('; ')}${model.available ? `; ${modelName}: ${mMisses.join('; ') || 'fits but not chosen'}` : `; ${unavailable}`}).`;
  }

  const options: DecisionOption[] = [
    {
      id: ARM_OPTION_ID.model,
      label: model.available ? `Local model ${modelName}${model.fits ? '' : ' (over budget)'}` : `Local model (unavailable: ${unavailable})`,
      predictedQuality: qM,
      predictedCostCents: 0,
      latencyMs: mLatency,
      uncertainty: uM,
    },
    {
      id: ARM_OPTION_ID.fallback,
      label: `Fallback ${fallbackName}${fallback.fits ? '' : ' (over budget)'}`,
      predictedQuality: qF,
      predictedCostCents: 0,
      latencyMs: fLatency,
      uncertainty: uF,
    },
    { id: ARM_OPTION_ID.skip, label: 'Skip this step (no output)', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 1 },
  ];
  return { chosen, options, reason, model, fallback };
}
