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
import { msg, type Message } from '../../../shared/messages';
import { said, type Said } from '../../../shared/workflow/said';
import type { DecisionOption, Words } from '../../../shared/workflow/types';

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
  /** The same as words (decision 0030); default system.arm.no_model. */
  unavailableWhy?: Message | Words;
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
  /** `reason` as words (the reader's language). */
  reasonWords: Words;
  model: ArmPrediction;
  fallback: ArmPrediction;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1);
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const fmtMs = (ms: number) =>
  !Number.isFinite(ms) ? '∞ s' : ms >= 10_000 ? `${Math.round(ms / 1000)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
const fmtN = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '∞');

/** Predicted latency of the model arm, ms (see the top of the file). */
export function modelLatencyMs(tokensEstimate: number, outputTokens: number, tps: number | null | undefined): number {
  const rate = tps && Number.isFinite(tps) && tps > 0 ? tps : DEFAULT_MODEL_TPS;
  const out = Math.max(0, Math.min(outputTokens, tokensEstimate));
  const prompt = Math.max(0, tokensEstimate - out);
  return Math.ceil(MODEL_OVERHEAD_MS + (prompt * 1000) / (rate * PROMPT_SPEEDUP) + (out * 1000) / rate);
}

/** A duration as the card says it (whole seconds from 10 s, one decimal from 1 s, else ms): English and params. */
function duration(ms: number, key: string): { text: string; params: Record<string, string | number> } {
  const unit = ms >= 10_000 ? 's' : ms >= 1000 ? 's1' : 'ms';
  const n = unit === 's' ? Math.round(ms / 1000) : unit === 's1' ? Math.round(ms / 100) / 10 : Math.round(ms);
  return { text: fmtMs(ms), params: { [key]: n, [`${key}Unit`]: unit } };
}

/** What does not fit, one clause per budget (each said twice: English and words). */
function fit(tokens: number, latencyMs: number, costCents: number, left: BudgetLeft): Said[] {
  const misses: Said[] = [];
  if (tokens > left.tokens) {
    const l = Math.max(0, left.tokens);
    misses.push(said(`≈${fmtN(tokens)} tokens, ${fmtN(l)} left`, 'system.arm.miss_tokens', { tokens: Math.round(tokens), left: Math.round(l) }));
  }
  if (latencyMs > left.wallMs) {
    const a = duration(latencyMs, 'latency');
    const b = duration(Math.max(0, left.wallMs), 'left');
    misses.push(said(`≈${a.text}, ${b.text} of wall time left`, 'system.arm.miss_wall', { ...a.params, ...b.params }));
  }
  if (costCents > left.costCents) {
    const l = Math.max(0, left.costCents);
    misses.push(said(`${costCents} cents, ${fmtN(l)} left`, 'system.arm.miss_cost', { cents: costCents, left: Math.round(l) }));
  }
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
    misses: mMisses.map((m) => m.text),
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
    misses: fMisses.map((m) => m.text),
  };
  const names = armNames(r);
  const { chosen, why } = decide(r, names, { model, fallback, mMisses, fMisses });
  return { chosen, options: armOptions(names, { model, fallback }, { qM, uM, qF, uF }), reason: why.text, reasonWords: why.words, model, fallback };
}

interface ArmNames {
  model: string;
  fallback: string;
  unavailable: Said;
}

function armNames(r: ArmRequest): ArmNames {
  const why = r.unavailableWhy ?? msg('system.arm.no_model');
  return {
    model: r.modelId ?? 'the local model',
    fallback: r.fallbackId ?? 'the fallback',
    unavailable: { text: r.unavailableReason ?? 'no local text model is loaded', words: 'code' in why ? { text: why } : why },
  };
}

const texts = (ms: readonly Said[]) => ms.map((m) => m.text).join('; ');
const words = (ms: readonly Said[]) => ms.map((m) => m.words);

/** The arm, and why (said twice: the card's English and its words). */
function decide(
  r: ArmRequest,
  n: ArmNames,
  a: { model: ArmPrediction; fallback: ArmPrediction; mMisses: Said[]; fMisses: Said[] },
): { chosen: Arm; why: Said } {
  const { model, fallback } = a;
  const left = r.budgetLeft;
  const names = { model: n.model, fallback: n.fallback };
  if (model.available && model.fits && (!fallback.fits || model.utility > fallback.utility)) {
    const lat = duration(model.latencyMs, 'latency');
    const wall = duration(left.wallMs, 'wall');
    return {
      chosen: 'model',
      why: said(
        `${n.model} fits the run's budget (≈${fmtN(model.tokens)} of ${fmtN(left.tokens)} tokens left, ≈${lat.text} of ${wall.text}) and scores ${model.utility} against ${n.fallback}'s ${fallback.utility}.`,
        'system.arm.model_chosen',
        { ...names, tokens: model.tokens, tokensLeft: left.tokens, ...lat.params, ...wall.params, utility: model.utility, fallbackUtility: fallback.utility },
      ),
    };
  }
  if (fallback.fits) {
    if (!model.available)
      return { chosen: 'fallback', why: said(`${n.unavailable.text}: ${n.fallback} runs.`, 'system.arm.unavailable', names, [n.unavailable.words]) };
    if (!model.fits)
      return {
        chosen: 'fallback',
        why: said(
          `${n.model} does not fit the run's budget (${texts(a.mMisses)}): ${n.fallback} runs.`,
          'system.arm.model_over_budget',
          names,
          words(a.mMisses),
        ),
      };
    return {
      chosen: 'fallback',
      why: said(`${n.fallback} scores ${fallback.utility}, at least ${n.model}'s ${model.utility}: it runs.`, 'system.arm.fallback_scores', {
        ...names,
        utility: model.utility,
        fallbackUtility: fallback.utility,
      }),
    };
  }
  const fb = said(`${n.fallback}: ${texts(a.fMisses)}`, 'system.arm.misses_of', { name: n.fallback }, words(a.fMisses));
  const notChosen = said('fits but not chosen', 'system.arm.fits_not_chosen');
  const mm = a.mMisses.length ? a.mMisses : [notChosen];
  const second = model.available ? said(`${n.model}: ${texts(mm)}`, 'system.arm.misses_of', { name: n.model }, words(mm)) : n.unavailable;
  return { chosen: 'skip', why: said(`Nothing fits the run's budget (${fb.text}; ${second.text}).`, 'system.arm.nothing_fits', {}, [fb.words, second.words]) };
}

function armOptions(
  n: ArmNames,
  a: { model: ArmPrediction; fallback: ArmPrediction },
  q: { qM: number; uM: number; qF: number; uF: number },
): DecisionOption[] {
  const { model, fallback } = a;
  const over = (fits: boolean) => (fits ? 'no' : 'yes');
  return [
    {
      id: ARM_OPTION_ID.model,
      label: model.available ? `Local model ${n.model}${model.fits ? '' : ' (over budget)'}` : `Local model (unavailable: ${n.unavailable.text})`,
      labelWords: model.available
        ? { text: msg('system.arm.model_option', { model: n.model, over: over(model.fits) }) }
        : { text: msg('system.arm.model_option_unavailable'), reasons: [n.unavailable.words] },
      predictedQuality: q.qM,
      predictedCostCents: 0,
      latencyMs: model.latencyMs,
      uncertainty: q.uM,
    },
    {
      id: ARM_OPTION_ID.fallback,
      label: `Fallback ${n.fallback}${fallback.fits ? '' : ' (over budget)'}`,
      labelWords: { text: msg('system.arm.fallback_option', { fallback: n.fallback, over: over(fallback.fits) }) },
      predictedQuality: q.qF,
      predictedCostCents: 0,
      latencyMs: fallback.latencyMs,
      uncertainty: q.uF,
    },
    {
      id: ARM_OPTION_ID.skip,
      label: 'Skip this step (no output)',
      labelWords: { text: msg('system.arm.skip_option') },
      predictedQuality: 0,
      predictedCostCents: 0,
      latencyMs: 0,
      uncertainty: 1,
    },
  ];
}
