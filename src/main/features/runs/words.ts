// What the engine writes for people, as messages (decision 0030): run errors, and the rationales,
// subjects and option labels of its decision cards. Each sits beside the text it stands for: the
// English or log form (codes with params) that logs, audit entries and card search keep. Codes
// `system.run.*`; the renderer words them in the reader's language (locales/<l>/system.json).
import { ApiError } from '../../../shared/errors';
import { apiErrorMessage } from '../../../shared/error-messages';
import { isMessage, msg, type MessageParams } from '../../../shared/messages';
import { reasonForLog, type Reason } from '../../../shared/policy/reasons';
import type { RunError, Words } from '../../../shared/workflow/types';

/** `system.run.<key>` with its params; `reasons` fill its `{reasons}` argument. */
export function runWords(key: string, params?: MessageParams, reasons?: readonly Reason[], join?: Words['join']): Words {
  return { text: msg(`system.run.${key}`, params), ...(reasons ? { reasons: [...reasons] } : {}), ...(join ? { join } : {}) };
}

/**
 * A run error from its reasons (messages where the engine has codes, text for an invariant's or a
 * reviewer's own words): `reasons` is their log form, and the words keep those the error line adds
 * after `message` (the ones already in it are left out, as the line leaves them out).
 */
export function runError(e: Omit<RunError, 'reasons' | 'words'>, what: Words, reasons: readonly Reason[]): RunError {
  const log = reasons.map(reasonForLog);
  return { ...e, reasons: log, words: { what, reasons: reasons.filter((_, i) => log[i] && !e.message.includes(log[i]!)) } };
}

/**
 * What a step threw, in words: a refusal's own messages (governance's `details.messages`), any other
 * API error as `errors.<CODE>.<reason>` (its English text kept for a code this build has no words
 * for), an error's own message (`toMessage()`), else an exception's own text. `code` is the API error's code.
 */
export function thrownWords(e: unknown): { code: string | null; reasons: Reason[] } {
  if (!(e instanceof ApiError)) {
    // An error that says itself as a message (a failed translation check, an aborted model call).
    const own = (e as { toMessage?: unknown } | null)?.toMessage;
    const m: unknown = typeof own === 'function' ? (own as () => unknown).call(e) : null;
    return { code: null, reasons: [isMessage(m) ? m : e instanceof Error ? e.message : String(e)] };
  }
  const own = (e.details as { messages?: unknown } | undefined)?.messages;
  const messages = Array.isArray(own) ? own.filter(isMessage) : [];
  return { code: e.code, reasons: messages.length ? messages : [apiErrorMessage(e, true)] };
}

/** The reasons an API error's details list (messages or text), beside the error itself. */
export function detailReasons(e: unknown): Reason[] {
  const details = e instanceof ApiError && e.details && typeof e.details === 'object' ? (e.details as { reasons?: unknown }) : null;
  return Array.isArray(details?.reasons) ? (details.reasons as unknown[]).map((r) => (isMessage(r) ? r : String(r))) : [];
}
