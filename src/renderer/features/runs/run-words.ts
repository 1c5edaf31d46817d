// Pure words of a run's state (no API, no DOM): why it stopped or waits, and what to do next. The
// engine's error line (codes, invariant ids, messages) stays under Details.
import type { RunStatus } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';
import { GATE_WAIT, plainOf, type TextsById } from '../cards/card-words';

export interface RunWords {
  what: string;
  next: string | null;
}

const INV_RE = /\bINV(?:\.[A-Z0-9_]+)+/g;

/** The failed checks an engine error line names, in words (each once). */
export function checksInWords(line: string | null, texts: TextsById, lang = 'en'): string[] {
  if (!line) return [];
  return [...new Set([...line.matchAll(INV_RE)].map((m) => plainOf(m[0], texts, lang).failed))];
}

/** First check named in the line: its "what to do next". */
function firstNext(line: string | null, texts: TextsById, lang: string): string | null {
  const id = line ? (line.match(INV_RE)?.[0] ?? null) : null;
  return id ? plainOf(id, texts, lang).next : null;
}

/** Why a run stopped, by its error code, with the checks its error line names. */
export function runErrorWords(run: Pick<RunSummary, 'error' | 'errorCode' | 'status'>, texts: TextsById, lang = 'en'): RunWords | null {
  if (!run.error) return null;
  const checks = checksInWords(run.error, texts, lang);
  const undone = run.status === 'rolled_back' ? ' Its finished steps were undone.' : '';
  switch (run.errorCode) {
    case 'BLOCKED':
      return {
        what: `A check of your organisation’s rules stopped this work.${checks.length ? ` ${checks.join(' ')}` : ''}${undone}`,
        next: firstNext(run.error, texts, lang) ?? 'Open Details to see which rule stopped it, or ask an admin.',
      };
    case 'BUDGET_EXCEEDED':
      return {
        what: `This work used up the money, AI capacity or time it is allowed.${undone}`,
        next: 'Ask an admin to raise the limit, or start again with less to do.',
      };
    case 'REJECTED':
      return {
        what: `A reviewer rejected this work, so it stopped.${undone}`,
        next: 'Read the reviewer’s reason under Details, fix what they asked for and start again.',
      };
    case 'STEP_FAILED':
      return {
        what: `A step could not finish, so the work stopped.${undone}`,
        next: 'Try again. If it happens again, show the Details to an admin.',
      };
    default:
      return { what: `This work stopped.${checks.length ? ` ${checks.join(' ')}` : ''}${undone}`, next: 'Open Details to see why, or ask an admin.' };
  }
}

/** What a waiting run waits for, from the card it waits on (its failed approval checks) when known, else its lane. */
export function waitingWords(status: RunStatus, waitingChecks: string[], canReview: boolean, lane: string | null = null): RunWords | null {
  if (status !== 'awaiting_approval') return null;
  const what = waitingChecks.length ? waitingChecks.join(' ') : lane === 'RED' ? GATE_WAIT.red : GATE_WAIT.other;
  return {
    what,
    next: canReview
      ? 'Open the waiting card, check what it concerns, then approve or reject it.'
      : 'A reviewer of your team decides. You will see the result here.',
  };
}
