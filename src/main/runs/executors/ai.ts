// The model steps. Until local inference lands (the inference issue), both use a deterministic
// rule-based fallback and say so: outputs carry `model: 'rule-based-fallback@1'`, cards list the
// fallback, skipping, and the local model (unavailable) with their predictions.
import type { AiInput } from '../../../shared/policy/types';
import type { DecisionOption } from '../../../shared/workflow/types';
import type { AiFacts, Executor, StepContext } from './types';
import { extractiveSummary, textFields, tokenSimilarity, tokensOf } from './text';

export const FALLBACK_MODEL = 'rule-based-fallback@1';
/** What an extractive summary is worth: faithful (it only quotes) but incomplete. */
const SUMMARY_UNCERTAINTY = 0.45;

const fieldsSchema = { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 200 } };
const langSchema = { type: 'string', pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' };

function inputsOf(ctx: StepContext): AiInput[] {
  const fields = ctx.params.fields as string[] | undefined;
  return textFields(ctx.input, fields).map((t) => ({ source: 'capture', text: t.text, id: `${ctx.runId}#${t.path}` }));
}

const aiOptions = (fallback: DecisionOption): DecisionOption[] => [
  fallback,
  { id: 'skip', label: 'Skip this step (no output)', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 1 },
  { id: 'local-model', label: 'Local model (unavailable until inference is installed)', predictedQuality: 0.8, predictedCostCents: 0, latencyMs: 4000, uncertainty: 0.3 },
];

export const aiSummarize: Executor = {
  name: 'ai-summarize',
  majors: [1],
  title: 'Summarise',
  withSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { fields: fieldsSchema, maxSentences: { type: 'integer', minimum: 1, maximum: 10 }, maxChars: { type: 'integer', minimum: 80, maximum: 4000 } },
  },
  compensations: {},
  estimate(ctx) {
    const chars = inputsOf(ctx).reduce((a, t) => a + t.text.length, 0);
    const maxChars = (ctx.params.maxChars as number | undefined) ?? 600;
    return { tokens: tokensOf(chars) + tokensOf(Math.min(chars, maxChars)), costCents: 0, latencyMs: 5 + Math.ceil(chars / 2000), uncertainty: SUMMARY_UNCERTAINTY };
  },
  options(_ctx, est) {
    return aiOptions({ id: 'rule-based-fallback', label: `Rule-based extractive summary (${FALLBACK_MODEL})`, predictedQuality: 0.55, predictedCostCents: est.costCents, latencyMs: est.latencyMs, uncertainty: SUMMARY_UNCERTAINTY });
  },
  ai: (ctx): AiFacts => ({ modelId: FALLBACK_MODEL, inputs: inputsOf(ctx), uncertainty: SUMMARY_UNCERTAINTY }),
  execute(ctx) {
    const inputs = inputsOf(ctx);
    const maxSentences = (ctx.params.maxSentences as number | undefined) ?? 3;
    const maxChars = (ctx.params.maxChars as number | undefined) ?? 600;
    const sourceChars = inputs.reduce((a, t) => a + t.text.length, 0);
    const s = extractiveSummary(inputs.map((t) => t.text), maxSentences, maxChars);
    const uncertainty = s.summary ? SUMMARY_UNCERTAINTY : 1;
    return {
      output: { summary: s.summary, sentences: s.picked, sourceSentences: s.total, sourceChars, fields: inputs.map((t) => t.id!.split('#')[1]!), model: FALLBACK_MODEL, uncertainty },
      usage: { tokens: tokensOf(sourceChars) + tokensOf(s.summary.length), costCents: 0 },
      chosen: 'rule-based-fallback',
      rationale: s.summary
        ? `No local model is installed, so the rule-based fallback quoted the ${s.picked} most representative of ${s.total} sentences (${sourceChars} characters read).`
        : 'No free text to summarise; the fallback produced an empty summary.',
      modelId: FALLBACK_MODEL,
      uncertainty,
    };
  },
};

export const aiTranslateVerify: Executor = {
  name: 'ai-translate-verify',
  majors: [1],
  title: 'Translate and verify',
  withSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { fields: fieldsSchema, sourceLang: langSchema, targetLang: langSchema, minSimilarity: { type: 'number', minimum: 0, maximum: 1 } },
  },
  compensations: {},
  estimate(ctx) {
    const chars = inputsOf(ctx).reduce((a, t) => a + t.text.length, 0);
    return { tokens: 3 * tokensOf(chars), costCents: 0, latencyMs: 5 + Math.ceil(chars / 1000), uncertainty: needsTranslation(ctx) ? 0.9 : 0.1 };
  },
  options(ctx, est) {
    return aiOptions({
      id: 'rule-based-fallback',
      label: `Pass-through with token verification (${FALLBACK_MODEL})`,
      predictedQuality: needsTranslation(ctx) ? 0.1 : 0.9,
      predictedCostCents: est.costCents,
      latencyMs: est.latencyMs,
      uncertainty: est.uncertainty,
    });
  },
  ai: (ctx): AiFacts => ({ modelId: FALLBACK_MODEL, inputs: inputsOf(ctx), uncertainty: needsTranslation(ctx) ? 0.9 : 0.1 }),
  execute(ctx) {
    const inputs = inputsOf(ctx);
    const source = inputs.map((t) => t.text).join('\n');
    const targetLang = (ctx.params.targetLang as string | undefined) ?? 'en';
    const sourceLang = (ctx.params.sourceLang as string | undefined) ?? targetLang;
    const minSimilarity = (ctx.params.minSimilarity as number | undefined) ?? 0.8;
    const needed = needsTranslation(ctx);
    // The fallback cannot translate: it passes the text through and verifies the round trip by
    // comparing tokens (the back-translation of a pass-through is the text itself).
    const translation = source;
    const backTranslationSimilarity = tokenSimilarity(source, translation);
    const verified = !needed && backTranslationSimilarity >= minSimilarity;
    const uncertainty = needed ? 0.9 : Math.round((1 - backTranslationSimilarity * 0.9) * 1000) / 1000;
    return {
      output: { translation, backTranslationSimilarity, verified, translated: false, sourceLang, targetLang, chars: source.length, model: FALLBACK_MODEL, uncertainty },
      usage: { tokens: 3 * tokensOf(source.length), costCents: 0 },
      chosen: 'rule-based-fallback',
      rationale: needed
        ? `No local model is installed and ${sourceLang} → ${targetLang} needs a translation: the text was passed through untranslated (uncertainty ${uncertainty}); a reviewer should check it.`
        : `Source and target are both ${targetLang}: passed through; token verification ${backTranslationSimilarity} (minimum ${minSimilarity}).`,
      modelId: FALLBACK_MODEL,
      uncertainty,
    };
  },
};

function needsTranslation(ctx: StepContext): boolean {
  const targetLang = (ctx.params.targetLang as string | undefined) ?? 'en';
  const sourceLang = (ctx.params.sourceLang as string | undefined) ?? targetLang;
  return sourceLang.split('-')[0] !== targetLang.split('-')[0];
}
