// What the AI steps share about their model arm: the run's budget left, the loaded model, the plan
// of one attempt (estimate → options → ai → execute see the same router decision), the abort
// signal, the wall-time deadline and the memory grounding.
//
// Timeout versus abort (every AI step):
// - abort (InferenceService.abort(runId), a person pressing Stop): the step FAILS CLOSED. No output,
//   no fallback: someone decided this run should not go on with this step; the saga undoes what
//   came before, and the card says it was aborted.
// - timeout (the step's time limit: `with.timeoutMs`, else DEFAULT_STEP_TIMEOUT_MS, never more than
//   the run's wall time left): the deterministic fallback runs instead and the card says why. A
//   timeout is a budget event, not a decision; the fallback is cheap, quotes or computes only, and
//   carries its own (higher) uncertainty, so the lane rules still see how shaky the result is. The
//   tokens the model spent before the limit are billed too.
// - Other model failures (a prompt that does not fit the context, an unloaded model, an answer that
//   is empty or off-schema) also use the fallback, with the reason on the card.
import type { BudgetLeft, GenerateRequest, GenerateResult, TextModel } from '../ports';
import type { StepContext } from './types';
import { msg, type Message } from '../../../../shared/messages';

export const UNBOUNDED: BudgetLeft = Object.freeze({ tokens: Number.POSITIVE_INFINITY, costCents: Number.POSITIVE_INFINITY, wallMs: Number.POSITIVE_INFINITY });
/** A model step's time limit when the manifest gives none (the run's wall time left caps it too). */
export const DEFAULT_STEP_TIMEOUT_MS = 120_000;
/** Context window assumed for a model that does not say (node-llama-cpp's cap). */
export const DEFAULT_CONTEXT_TOKENS = 4096;
/** The fewest tokens worth generating; less room than this → the fallback. */
export const MIN_OUTPUT_TOKENS = 8;
/** Manifest `with.timeoutMs` of the AI steps. */
export const timeoutSchema = { type: 'integer', minimum: 1, maximum: 3_600_000 };

export const budgetOf = (ctx: StepContext): BudgetLeft => ctx.budgetLeft ?? UNBOUNDED;

/** The loaded text model, or null. */
export const loadedModel = (ctx: StepContext): TextModel | null => ctx.deps.inference?.text() ?? null;

/**
 * The model's last measured generation rate (tokens/s), or null: the loaded model's own status when
 * it has one (node-llama-cpp's updates after every generation), else the service's slot status.
 */
export function modelTps(ctx: StepContext): number | null {
  try {
    const own = (loadedModel(ctx) as Partial<{ status: () => { tokensPerSecond: number | null } }> | null)?.status;
    const tps = typeof own === 'function' ? own().tokensPerSecond : null;
    return tps ?? ctx.deps.inference?.status().text.tokensPerSecond ?? null;
  } catch {
    return null;
  }
}

/** Why there is no model arm, in English (the card's text). */
export function unavailableReason(ctx: StepContext): string {
  return unavailable(ctx).text;
}

/** Why there is no model arm, as a message (the card's words). */
export function unavailableWhy(ctx: StepContext): Message {
  return unavailable(ctx).why;
}

function unavailable(ctx: StepContext): { text: string; why: Message } {
  if (!ctx.deps.inference) return { text: 'local inference is not configured', why: msg('system.arm.no_inference') };
  try {
    const st = ctx.deps.inference.status().text;
    if (st.fallbackReason) return { text: st.fallbackReason, why: st.fallbackWhy ?? msg('system.arm.no_model') };
    return { text: `no local text model is loaded (${st.state})`, why: msg('system.arm.no_model_state', { state: st.state }) };
  } catch {
    return { text: 'no local text model is loaded', why: msg('system.arm.no_model') };
  }
}

export function contextSizeOf(m: TextModel): number {
  const n = (m as Partial<{ contextSize: unknown }>).contextSize;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : DEFAULT_CONTEXT_TOKENS;
}

/** One plan per step attempt: the engine hands the same context to estimate, options, ai and execute. */
export function memo<T>(cache: WeakMap<StepContext, T>, ctx: StepContext, make: () => T): T {
  let v = cache.get(ctx);
  if (v === undefined) {
    v = make();
    cache.set(ctx, v);
  }
  return v;
}

/** The step's deadline: the manifest's timeoutMs (or the default), never past the run's wall time left. */
export function deadline(ctx: StepContext): { totalMs: number; left(): number } {
  const asked = typeof ctx.params.timeoutMs === 'number' ? ctx.params.timeoutMs : DEFAULT_STEP_TIMEOUT_MS;
  const totalMs = Math.max(1, Math.floor(Math.min(asked, budgetOf(ctx).wallMs)));
  const end = performance.now() + totalMs;
  return { totalMs, left: () => Math.max(1, Math.floor(end - performance.now())) };
}

/** Thrown when the run's model calls were aborted: the step fails closed (see the top). */
export class ModelStepAborted extends Error {
  readonly code = 'MODEL_ABORTED';
  private readonly words: Message;
  constructor(step: string, runId: string, model: string) {
    super(`${step} was aborted: the call to ${model} for run ${runId} was stopped, so the step fails closed (no output, no fallback)`);
    this.name = 'ModelStepAborted';
    this.words = msg('system.ai.aborted', { step, model, run: runId });
  }
  /** The error as words (runs/words.ts thrownWords). */
  toMessage(): Message {
    return this.words;
  }
}

/** Thrown when a translation's round trip is not similar enough: the step fails closed. */
export class TranslationNotVerified extends Error {
  private readonly words: Message;
  constructor(f: { similarity: number; embedder: string; min: number; tokenSimilarity: number; from: string; to: string; model: string }) {
    super(
      `translation not verified: back-translation similarity ${f.similarity} (cosine, ${f.embedder}) is below the minimum ${f.min}; ` +
        `token similarity ${f.tokenSimilarity}. ${f.from} → ${f.to} by ${f.model} is not accepted, so the step fails closed`,
    );
    this.name = 'TranslationNotVerified';
    this.words = msg('system.ai.tr_not_verified', f);
  }
  toMessage(): Message {
    return this.words;
  }
}

/**
 * Model calls of one step under the run's abort signal (InferenceService.signalFor): `generate`
 * passes it to every call; `aborted` says whether it fired (also between calls).
 */
export async function withRunSignal<T>(
  ctx: StepContext,
  fn: (call: (model: TextModel, req: Omit<GenerateRequest, 'signal'>) => Promise<GenerateResult>, aborted: () => boolean) => Promise<T>,
): Promise<T> {
  const h = ctx.deps.inference?.signalFor(ctx.runId) ?? { signal: new AbortController().signal, done: () => undefined };
  try {
    return await fn(
      (model, req) => model.generate({ ...req, signal: h.signal }),
      () => h.signal.aborted,
    );
  } finally {
    h.done();
  }
}

// ---------- memory grounding ----------

export interface GroundingItem {
  id: string;
  tier: string;
  text: string;
}

export interface Grounding {
  /** Core items first, then the search hits in rank order; each clipped to ITEM_CHARS. */
  items: GroundingItem[];
  /** Items the injection detector flagged: never put into a prompt, never cited. */
  excluded: string[];
  /** The memory look-up failed (the step goes on without grounding). */
  error: string | null;
  embeddingModel: string | null;
}

export const GROUNDING_HITS = 5;
export const GROUNDING_CORE_MAX = 8;
export const ITEM_CHARS = 400;
const QUERY_CHARS = 2_000;

export const NO_GROUNDING: Grounding = Object.freeze({ items: [], excluded: [], error: null, embeddingModel: null }) as Grounding;

/** Characters the grounding may add to a prompt at most (for estimates before the look-up). */
export function groundingCharsMax(ctx: StepContext): number {
  const mem = ctx.deps.memory;
  if (!mem) return 0;
  let core = 0;
  try {
    core = Math.min(GROUNDING_CORE_MAX, mem.coreContext().length);
  } catch {
    core = 0;
  }
  return (core + GROUNDING_HITS) * (ITEM_CHARS + 40);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Memory relevant to `query`: the core items (what goes into every context) and the top search
 * hits. Items the prompt-injection detector flags are left out (and listed), so the model never
 * reads them; the guard still scans every item that goes in (they are ai() inputs).
 */
export async function retrieveGrounding(ctx: StepContext, query: string): Promise<Grounding> {
  const mem = ctx.deps.memory;
  if (!mem || !/\S/u.test(query)) return NO_GROUNDING;
  try {
    const core = mem.coreContext().slice(0, GROUNDING_CORE_MAX);
    const res = await mem.search({ text: query.slice(0, QUERY_CHARS), limit: GROUNDING_HITS });
    const seen = new Set<string>();
    const items: GroundingItem[] = [];
    const excluded: string[] = [];
    for (const it of [...core, ...res.hits.map((h) => h.item)]) {
      if (seen.has(it.id)) continue;
      seen.add(it.id);
      const text = clip(it.text.replace(/\s+/gu, ' ').trim(), ITEM_CHARS);
      if (ctx.deps.aiKit.isInjection(it.text)) excluded.push(it.id);
      else items.push({ id: it.id, tier: it.tier, text });
    }
    return { items, excluded, error: null, embeddingModel: res.embeddingModel };
  } catch (e) {
    return { items: [], excluded: [], error: e instanceof Error ? e.message : String(e), embeddingModel: null };
  }
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Cosine of two vectors (the embedders' are unit length; normalised here anyway). 0 for a zero vector. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, d / Math.sqrt(na * nb)));
}
