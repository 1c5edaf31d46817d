// The run engine's records (RunInfo / RunDetail, ./types.ts) as the API table's views (RunSummary /
// RunView, ./views.ts). Pure: the run service, team sync and memory ingest all map runs this way.
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
  return text.length ? `: ${clip(text.join(' '))}` : '';
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

/** One line about what a step produced (or undid). */
export function stepSummary(s: RunStepDetail): string | null {
  const o = s.output;
  let line: string | null = null;
  if (o) {
    switch (s.executor) {
      case 'capture-form':
        line =
          typeof o.recordId === 'string'
            ? `Stored record ${o.recordId} (outbox ${String(o.outboxId)})`
            : typeof o.draftId === 'string'
              ? `Kept as draft ${o.draftId}`
              : 'Stored';
        break;
      case 'ai-summarize':
        line = o.summary ? `Summary (${String(o.model)}): ${clip(String(o.summary))}` : 'No free text to summarise';
        break;
      case 'ai-translate-verify':
        line = `${o.translated ? 'Translated' : 'Passed through'} ${String(o.sourceLang)} → ${String(o.targetLang)}; verification ${String(o.backTranslationSimilarity)}${o.verified ? '' : ' (not verified)'}`;
        break;
      case 'classify-risk':
        line = `Lane ${String(o.lane)}${laneWords(o.reasons)}`;
        break;
      case 'review-gate':
        line = o.approvalRequired ? `Approved by ${String(o.approvedBy)}` : `Lane ${String(o.lane)}: no approval needed`;
        break;
      case 'submit':
        line = `Submitted record ${String(o.recordId)} (outbox ${String(o.outboxId)})`;
        break;
    }
  }
  if (s.compensatedAt) line = `${line ?? ''}${line ? ' — ' : ''}undone (${s.compensate ?? 'compensation'}: ${String(s.compensation?.outcome ?? 'done')})`;
  if (s.compensationError) line = `${line ?? ''}${line ? ' — ' : ''}undo failed: ${s.compensationError}`;
  return line;
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
      summary: stepSummary(s),
      error: s.error,
      ...(s.error && d.error?.words && d.error.stepId === s.id ? { errorWords: d.error.words.what } : {}),
      costCents: s.costCents,
      tokens: s.tokens,
      cardIds: [...s.cardIds],
    })),
  };
}
