// Something the system says twice from one place (decision 0030): the English text that logs, audit
// entries and card search keep, and the same as words (messages) the renderer puts into the reader's
// language. Builders that return both keep the two from drifting apart; a test renders the words in
// English and compares them with the text (test/words/ai-step-words.test.ts).
import { msg, type Message, type MessageParams } from '../messages';
import type { Reason } from '../policy/reasons';
import type { Words } from './types';

export interface Said {
  text: string;
  words: Words;
}

/** `text` as the English, the message `code` with `params` (and `reasons` for its `{reasons}`) as the words. */
export function said(text: string, code: string, params?: MessageParams, reasons?: readonly (Reason | Words)[], join?: Words['join']): Said {
  return { text, words: { text: msg(code, params), ...(reasons ? { reasons: [...reasons] } : {}), ...(join ? { join } : {}) } };
}

/** Sentences one after another (the ones left out skipped): their texts joined by a space, their words likewise. */
export function sentences(...parts: (Said | null | undefined | false)[]): Said {
  const kept = parts.filter((p): p is Said => !!p);
  if (kept.length === 1) return kept[0]!;
  return { text: kept.map((p) => p.text).join(' '), words: { text: msg('system.words.sentences'), reasons: kept.map((p) => p.words), join: 'sentences' } };
}

/**
 * Words as text, given how one message reads (`say`: the renderer's i18next, or a test's locale
 * files): each reason a message, text as it is, or words of its own; a list joined by `list` (the
 * language's "; "), sentences by a space.
 */
export function wordsWith(w: Words, say: (m: Message) => string, list: string): string {
  if (!w.reasons) return say(w.text);
  const reasons = w.reasons.map((r) => (typeof r === 'string' ? r : 'text' in r ? wordsWith(r, say, list) : say(r)));
  return say({ code: w.text.code, params: { ...w.text.params, reasons: reasons.join(w.join === 'sentences' ? ' ' : list) } });
}
