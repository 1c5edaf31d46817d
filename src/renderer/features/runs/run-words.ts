// Pure words of a run's state (no API, no DOM): why it stopped or waits, and what to do next, in the
// language in use (i18n, namespace "runs"). The engine's error line (codes, invariant ids, messages)
// stays under Details.
import type { RunStatus } from '../../../shared/workflow/types';
import type { RunStepView, RunSummary } from '../../../shared/workflow/views';
import { GATE_WAIT, plainOf, type TextsById } from '../cards/card-words';
import { nextStepText, reasonText } from '../cards/reason-words';
import { joinReasons, wordsText } from '../cards/system-words';
import { i18next } from '../../i18n';
import { locale } from '../../i18n/current';
import { messageText } from '../../ui/message';

export interface RunWords {
  what: string;
  next: string | null;
}

const INV_RE = /\bINV(?:\.[A-Z0-9_]+)+/g;

/** The failed checks an error line names, in words (each once), in `lang` (the policy's texts, English when it has none). */
export function checksInWords(line: string | null, texts: TextsById, lang = locale()): string[] {
  if (!line) return [];
  return [...new Set([...line.matchAll(INV_RE)].map((m) => plainOf(m[0], texts, lang).failed))];
}

/** First check named in the line: its "what to do next". */
function firstNext(line: string | null, texts: TextsById, lang: string): string | null {
  const id = line ? (line.match(INV_RE)?.[0] ?? null) : null;
  return id ? plainOf(id, texts, lang).next : null;
}

/** Message keys per error code: what happened (without and with the checks' words) and what to do next. */
interface ErrorKeys {
  what: string;
  withChecks?: string;
  next: string;
}
const BY_CODE = new Map<string, ErrorKeys>([
  ['BLOCKED', { what: 'runs:error.blocked', withChecks: 'runs:error.blockedChecks', next: 'runs:error.blockedNext' }],
  ['BUDGET_EXCEEDED', { what: 'runs:error.budget', next: 'runs:error.budgetNext' }],
  ['REJECTED', { what: 'runs:error.rejected', next: 'runs:error.rejectedNext' }],
  ['STEP_FAILED', { what: 'runs:error.stepFailed', next: 'runs:error.stepFailedNext' }],
]);
const OTHER: ErrorKeys = { what: 'runs:error.other', withChecks: 'runs:error.otherChecks', next: 'runs:error.otherNext' };

/** Why a run stopped, by its error code, with the checks its error line names. */
export function runErrorWords(run: Pick<RunSummary, 'error' | 'errorCode' | 'status'>, texts: TextsById, lang = locale()): RunWords | null {
  if (!run.error) return null;
  const keys = BY_CODE.get(run.errorCode ?? '') ?? OTHER;
  const checks = keys.withChecks ? checksInWords(run.error, texts, lang) : [];
  const undone = run.status === 'rolled_back' ? 'yes' : 'no';
  const what = keys.withChecks && checks.length ? i18next.t(keys.withChecks, { checks: checks.join(' '), undone }) : i18next.t(keys.what, { undone });
  const next = run.errorCode === 'BLOCKED' ? (firstNext(run.error, texts, lang) ?? i18next.t(keys.next)) : i18next.t(keys.next);
  return { what, next };
}

const clip = (s: string, n = 1000) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The engine's error line (under Details) in the reader's language: what happened, the reasons after
 * it, what to do next. Runs that failed before messages have only the line as it was stored.
 */
export function errorLineText(run: Pick<RunSummary, 'error' | 'errorWords'>, texts: TextsById, lang = locale()): string | null {
  const w = run.errorWords;
  if (!w) return run.error;
  let line = wordsText(w.what);
  if (w.reasons.length) line = i18next.t('system:line.reasons', { what: line, reasons: joinReasons(w.reasons.map(reasonText)) });
  if (w.next) line = i18next.t('system:line.next', { line, next: nextStepText(w.next, texts, lang) });
  return clip(line);
}

/** What a waiting run waits for, from the card it waits on (its failed approval checks) when known, else its lane. */
export function waitingWords(status: RunStatus, waitingChecks: string[], canReview: boolean, lane: string | null = null): RunWords | null {
  if (status !== 'awaiting_approval') return null;
  const what = waitingChecks.length ? waitingChecks.join(' ') : lane === 'RED' ? GATE_WAIT.red : GATE_WAIT.other;
  return { what, next: i18next.t(canReview ? 'runs:waiting.nextReviewer' : 'runs:waiting.nextOther') };
}

/** What a step produced (or undid) in the reader's language: its parts' words joined; steps from before, their line as stored. */
export function stepSummaryText(st: Pick<RunStepView, 'summary' | 'summaryWords'>): string | null {
  if (!st.summaryWords?.length) return st.summary;
  return st.summaryWords.map(messageText).join(i18next.t('system:step.join'));
}
