// What the model steps (ai-summarize.ts, ai-translate.ts) share: their inputs, predictions and the
// cleaning of model text. Each attempt asks the router (the AiKit port: inference/router.ts) for an
// arm, once, in estimate(); options() puts every arm with its predictions on the card, ai() tells
// the guard the model and every text it will read, execute() runs that arm. Outputs say which model
// or fallback produced them (`model`) and which arm ran (`arm`); the card's chosen option is
// 'local-model' or 'fallback'. See model-arm.ts for timeouts (→ fallback) and aborts (→ the step
// fails closed).
import type { AiInput } from '../../../../shared/policy/types';
import { textFields } from '../../../../shared/text';
import type { ArmDecision } from '../ports';
import type { Estimate, StepContext } from './types';

/** The translation fallback (pass-through + token verification); unchanged from before local inference. */
export const FALLBACK_MODEL = 'rule-based-fallback@1';

/** Predictions for a local model's summary or translation (before it ran). */
export const MODEL_QUALITY = 0.8;
export const MODEL_UNCERTAINTY = 0.3;
/** Prompt scaffolding (instructions, headings), characters. */
export const INSTRUCTION_CHARS = 400;

export const fieldsSchema = { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 200 } };
export const langSchema = { type: 'string', pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' };

export function inputsOf(ctx: StepContext): AiInput[] {
  const fields = ctx.params.fields as string[] | undefined;
  return textFields(ctx.input, fields).map((t) => ({ source: 'capture', text: t.text, id: `${ctx.runId}#${t.path}` }));
}

export const fieldPaths = (inputs: AiInput[]) => inputs.map((t) => t.id!.split('#')[1]!);
export const sumChars = (inputs: AiInput[]) => inputs.reduce((a, t) => a + t.text.length, 0);

/** Model text as stored: control characters out (a small or broken model emits them), trimmed. */
export const cleanModelText = (s: string): string => s.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu, ' ').trim();

/** Cut at a word boundary to at most n characters. */
export function clipWords(s: string, n: number): string {
  if (s.length <= n) return s;
  const cut = s.slice(0, Math.max(0, n - 1));
  const at = cut.search(/\s\S*$/u);
  return `${(at > n / 2 ? cut.slice(0, at) : cut).trimEnd()}…`;
}

export const estimateOf = (d: ArmDecision, uncertainty: { model: number; fallback: number }): Estimate =>
  d.chosen === 'model'
    ? { tokens: d.model.tokens, costCents: 0, latencyMs: d.model.latencyMs, uncertainty: uncertainty.model }
    : { tokens: d.fallback.tokens, costCents: 0, latencyMs: d.fallback.latencyMs, uncertainty: uncertainty.fallback };
