// The run engine's records (RunInfo / RunDetail, ./types.ts) as the API table's views (RunSummary /
// RunView, ./views.ts). Pure: the run service, team sync and memory ingest all map runs this way.
import { msg, type Message, type MessageParams } from '../messages';
import { reasonForLog } from '../policy/reasons';
import type { RunDetail, RunError, RunInfo, RunStepDetail } from './types';
import type { RunSummary, RunView } from './views';

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The text reasons of a classify-risk output (older runs, a model's own words) after its lane; the
 * lane rules' reasons are messages, worded on the step's decision card in the reader's language.
 */
const laneWords = (reasons: unknown): string => {
  const text = Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === 'string') : [];
  return text.length ? clip(text.join(' ')) : '';
};

/** The error line for people, when the error has words (runs failed since messages). */
function errorWords(e: RunError | null): Pick<RunSummary, 'errorWords'> {
  return e?.words ? { errorWords: { what: e.words.what, reasons: e.words.reasons, next: e.nextSafeStep } } : {};
}

export function errorLine(e: RunError | null): string | null {
  if (!e) return null;
  const reasons = e.reasons.filter((r) => r && !e.message.includes(r));
  return clip(`${e.message}${reasons.length ? ` — ${reasons.join('; ')}` : ''}${e.nextSafeStep ? ` Next: ${reasonForLog(e.nextSafeStep)}` : ''}`, 1000);
}

/** A part of a step's line: its English text and its words (`system.step.*`, decision 0030). */
interface Part {
  text: string;
  words: Message;
}
const part = (text: string, key: string, params?: MessageParams): Part => ({ text, words: msg(`system.step.${key}`, params) });

/** What a step's output says, by executor (null when it says nothing). */
function outputPart(executor: string, o: Record<string, unknown>): Part | null {
  switch (executor) {
    case 'capture-form':
      if (typeof o.recordId === 'string')
        return part(`Stored record ${o.recordId} (outbox ${String(o.outboxId)})`, 'stored', { record: o.recordId, outbox: String(o.outboxId) });
      return typeof o.draftId === 'string' ? part(`Kept as draft ${o.draftId}`, 'draft', { draft: o.draftId }) : part('Stored', 'stored_bare');
    case 'ai-summarize':
      return o.summary
        ? part(`Summary (${String(o.model)}): ${clip(String(o.summary))}`, 'summary', { model: String(o.model), summary: clip(String(o.summary)) })
        : part('No free text to summarise', 'no_text');
    case 'ai-translate-verify': {
      const p = { source: String(o.sourceLang), target: String(o.targetLang), similarity: String(o.backTranslationSimilarity) };
      const text = `${o.translated ? 'Translated' : 'Passed through'} ${p.source} → ${p.target}; verification ${p.similarity}${o.verified ? '' : ' (not verified)'}`;
      return part(text, 'translated', { ...p, translated: o.translated ? 'yes' : 'no', verified: o.verified ? 'yes' : 'no' });
    }
    case 'classify-risk': {
      const lane = String(o.lane);
      const words = laneWords(o.reasons);
      return words ? part(`Lane ${lane}: ${words}`, 'lane_text', { lane, text: words }) : part(`Lane ${lane}`, 'lane', { lane });
    }
    case 'review-gate':
      return o.approvalRequired
        ? part(`Approved by ${String(o.approvedBy)}`, 'approved', { actor: String(o.approvedBy) })
        : part(`Lane ${String(o.lane)}: no approval needed`, 'no_approval', { lane: String(o.lane) });
    case 'submit':
      return part(`Submitted record ${String(o.recordId)} (outbox ${String(o.outboxId)})`, 'submitted', {
        record: String(o.recordId),
        outbox: String(o.outboxId),
      });
  }
  return null;
}

/** What a step produced and what undid it, part by part. */
function stepParts(s: RunStepDetail): Part[] {
  const out = s.output ? outputPart(s.executor, s.output) : null;
  const parts = out ? [out] : [];
  if (s.compensatedAt) {
    const how = s.compensate ?? 'compensation';
    const outcome = String(s.compensation?.outcome ?? 'done');
    parts.push(part(`undone (${how}: ${outcome})`, 'undone', { how, outcome, kind: outcome.replace(/-/g, '_') }));
  }
  if (s.compensationError) parts.push(part(`undo failed: ${s.compensationError}`, 'undo_failed', { error: s.compensationError }));
  return parts;
}

/**
 * One line about what a step produced (or undid), in English, and its words: the parts the renderer
 * words in the reader's language and joins (`system.step.join`, " — " in English).
 */
export function stepSummary(s: RunStepDetail): { summary: string | null; summaryWords?: Message[] } {
  const parts = stepParts(s);
  return parts.length ? { summary: parts.map((p) => p.text).join(' — '), summaryWords: parts.map((p) => p.words) } : { summary: null };
}

export function toRunSummaryView(r: RunInfo): RunSummary {
  return {
    id: r.id,
    workflow: r.workflow,
    title: r.title,
    status: r.status,
    startedBy: r.startedBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
    currentStep: r.currentStep,
    progress: { done: r.stepsDone, total: r.stepCount },
    budgets: { ...r.budgets },
    used: { tokens: r.usage.tokens, costCents: r.usage.costCents, wallTimeMs: Math.round(r.usage.elapsedMs) },
    lane: r.lane,
    error: errorLine(r.error),
    ...(r.error ? { errorCode: r.error.code } : {}),
    ...errorWords(r.error),
  };
}

export function toRunView(d: RunDetail): RunView {
  return {
    ...toRunSummaryView(d),
    steps: d.steps.map((s) => ({
      stepId: s.id,
      uses: s.uses,
      title: s.title,
      status: s.status,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      ...stepSummary(s),
      error: s.error,
      ...(s.error && d.error?.words && d.error.stepId === s.id ? { errorWords: d.error.words.what } : {}),
      costCents: s.costCents,
      tokens: s.tokens,
      cardIds: [...s.cardIds],
    })),
  };
}
