// The run engine's records (RunInfo / RunDetail, ./types.ts) as the API table's views (RunSummary /
// RunView, ./views.ts). Pure: the run service, team sync and memory ingest all map runs this way.
import type { RunDetail, RunError, RunInfo, RunStepDetail } from './types';
import type { RunSummary, RunView } from './views';

const clip = (s: string, n = 160) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function errorLine(e: RunError | null): string | null {
  if (!e) return null;
  const reasons = e.reasons.filter((r) => r && !e.message.includes(r));
  return clip(`${e.message}${reasons.length ? ` — ${reasons.join('; ')}` : ''}${e.nextSafeStep ? ` Next: ${e.nextSafeStep}` : ''}`, 1000);
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
        line = `Lane ${String(o.lane)}${Array.isArray(o.reasons) && o.reasons.length ? `: ${clip(o.reasons.join(' '))}` : ''}`;
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
      costCents: s.costCents,
      tokens: s.tokens,
      cardIds: [...s.cardIds],
    })),
  };
}
