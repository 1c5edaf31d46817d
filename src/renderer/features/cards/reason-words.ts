// Reasons and next steps of decision cards and run records in the reader's language: a message
// (guard.*, refusals.*) is worded through i18n; a plain string (a card stored before messages, an
// invariant's or a model's own words) is shown as it is. A next step that is an invariant's `next`
// is shown in the reader's language from the policy's plain texts when the policy has that language.
import type { Reason } from '../../../shared/policy/reasons';
import { messageText } from '../../ui/message';
import { locale } from '../../i18n/current';
import type { TextsById } from './card-words';

export const reasonText = (r: Reason): string => (typeof r === 'string' ? r : messageText(r));

/**
 * A next safe step in words. `guard.next.invariant` carries the invariant's id and its `next` filled
 * with the values (the policy author's words, in the policy's first language): another language shows
 * that invariant's plain `next` in it when the policy has one; English (and any language the policy
 * lacks) shows the filled text, the same sentence as before.
 */
export function nextStepText(r: Reason, texts: TextsById, lang: string = locale()): string {
  if (typeof r !== 'string' && r.code === 'guard.next.invariant' && lang !== 'en') {
    const id = r.params?.id;
    const own = typeof id === 'string' ? texts[id]?.[lang] : undefined;
    if (own) return own.next;
  }
  return reasonText(r);
}
