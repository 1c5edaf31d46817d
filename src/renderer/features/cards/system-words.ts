// What the main process wrote for people (decision 0030) in the reader's language: a decision card's
// subject, rationale and option labels, when the card has them as messages (`*Words`); the text as
// it was written otherwise (cards from before messages, writers with only their own text).
import type { DecisionCard, DecisionOption, Words } from '../../../shared/workflow/types';
import { i18next } from '../../i18n';
import { messageText } from '../../ui/message';

/** How a list of reasons is joined: "a; b" (in the language's punctuation), or sentences one after another. */
export function joinReasons(reasons: readonly string[], join: Words['join'] = 'list'): string {
  return reasons.join(join === 'sentences' ? ' ' : i18next.isInitialized ? i18next.t('system:join.list') : '; ');
}

/** Words in the reader's language: the message, its `{reasons}` filled with each reason in words. */
export function wordsText(w: Words): string {
  if (!w.reasons) return messageText(w.text);
  // A reason is a message, or text (an invariant's, a model's or a reviewer's own words) shown as it is.
  const reasons = w.reasons.map((r) => (typeof r === 'string' ? r : messageText(r)));
  return messageText({ code: w.text.code, params: { ...w.text.params, reasons: joinReasons(reasons, w.join) } });
}

export const subjectText = (c: Pick<DecisionCard, 'subject' | 'subjectWords'>): string => (c.subjectWords ? wordsText(c.subjectWords) : c.subject);

export const rationaleText = (c: Pick<DecisionCard, 'rationale' | 'rationaleWords'>): string => (c.rationaleWords ? wordsText(c.rationaleWords) : c.rationale);

export const optionLabel = (o: Pick<DecisionOption, 'label' | 'labelWords'>): string => (o.labelWords ? wordsText(o.labelWords) : o.label);
