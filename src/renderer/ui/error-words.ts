// Errors in the user's language (decision 0030). An API error that says itself as messages
// (`details.messages`, e.g. a governance refusal) shows them; otherwise it shows as
// `errors.<CODE>.<reason>` with its scalar details as params when this build has words for that
// reason (and the details fill them), else as the code's generic `errors.<CODE>._`; a bundle refusal
// as `refusals.bundle.<refusal>`.
// Its English `message` stays the developer's text for logs and the CLI: it shows only when the
// language is not set up yet or a newer server sent a code this build has no words for. Stored errors
// (an outbox item's, the sync status's) are messages too, or a plain sentence from before: as it is.
import i18next from 'i18next';
import { IntlMessageFormat } from 'intl-messageformat';
import type { ApiError } from '../../shared/errors';
import { apiErrorMessage, causeOf, type StoredError } from '../../shared/error-messages';
import { isMessage, messageForLog, splitCode, type Message, type MessageParams } from '../../shared/messages';
import { messagesText, messageText } from './message';

/** Whether this build has words for the message and its params fill them (every language has English's arguments). */
function renders(code: string, params: MessageParams): boolean {
  const { ns, key } = splitCode(code);
  if (!i18next.exists(key, { ns })) return false;
  const source = i18next.getResource('en', ns, key) as unknown;
  if (typeof source !== 'string') return false;
  try {
    new IntlMessageFormat(source, 'en').format(params);
    return true;
  } catch {
    return false;
  }
}

/** The codes to try for an `errors.<CODE>.<reason>` message, most specific first. */
function candidates(code: string, params: MessageParams): string[] {
  const [, errorCode] = code.split('.');
  const out: string[] = [];
  if (errorCode === 'BUNDLE_REFUSED' && typeof params.refusal === 'string') out.push(`refusals.bundle.${params.refusal}`);
  out.push(code, `errors.${errorCode}._`);
  return out;
}

/** A message in words; an `errors.<CODE>.*` one falls back to its code's generic words, then to the English it kept. */
function words(m: Message): string {
  const { own, cause } = causeOf(m);
  const params: MessageParams = cause === null ? own : { ...own, cause: storedErrorText(cause) };
  if (!m.code.startsWith('errors.') || m.code.split('.').length !== 3) return messageText({ code: m.code, params });
  const found = candidates(m.code, params).find((c) => renders(c, params));
  if (found) return messageText({ code: found, params });
  return typeof params.message === 'string' ? params.message : messageForLog(m);
}

/** An API error in the user's language (its English message until the language is set up). */
export function apiErrorText(e: ApiError): string {
  if (!i18next.isInitialized) return e.message;
  const said = (e.details as { messages?: unknown } | undefined)?.messages;
  if (Array.isArray(said) && said.length > 0 && said.every(isMessage)) return messagesText(said);
  return words(apiErrorMessage(e));
}

/** A stored error in the user's language; a plain sentence from before shows as it is. */
export function storedErrorText(e: StoredError): string {
  return typeof e === 'string' ? e : words(e);
}
