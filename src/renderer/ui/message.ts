// A message code (shared/messages.ts) in the user's language: the code's first segment is the i18n
// namespace and the rest its key; the params are the ICU arguments. A code this build has no words
// for (a newer server, a newer bundle) shows as the code itself, never as an empty line; the
// missing-key handler records it so the e2e locale walk notices.
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { messageForLog, splitCode, type Message } from '../../shared/messages';

export function messageText(m: Message): string {
  const { ns, key } = splitCode(m.code);
  if (!i18next.isInitialized) return messageForLog(m);
  if (!i18next.exists(key, { ns })) {
    i18next.t(key, { ns }); // records the missing key (i18n/index.ts)
    return messageForLog(m);
  }
  return i18next.t(key, { ns, ...m.params });
}

/** Several messages as one paragraph (each is a sentence of its own). */
export function messagesText(ms: readonly Message[]): string {
  return ms.map(messageText).join(' ');
}

/** messageText that re-renders the calling component when the language changes. */
export function useMessageText(): (m: Message) => string {
  useTranslation(); // subscribes to language changes
  return messageText;
}
