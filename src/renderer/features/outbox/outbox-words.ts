// Pure words of an outbox item's problem (no API, no DOM): what happened to it and what to do next. The
// stored error (a message code, often the server's API error as `errors.<CODE>.<reason>`; a row from
// before messages holds `CODE: message`) stays under Details. The words are read from the outbox
// namespace when asked for, so they follow the language in use.
import type { OutboxItem } from '../../../shared/api/types';
import type { StoredError } from '../../../shared/error-messages';
import { i18next } from '../../i18n';
import { storedErrorText } from '../../ui/error-words';

export interface OutboxWords {
  what: string;
  next: string | null;
}

/** A message of the outbox namespace's `problem` group. */
const w = (key: string, params?: Record<string, unknown>): string => i18next.t(`outbox:problem.${key}`, params);

/** The server's error code of a stored error: `errors.<CODE>.<reason>`, or `CODE: message` in a row from before; else null. */
export function codeOf(e: StoredError | null): string | null {
  if (e === null) return null;
  if (typeof e === 'string') return /^([A-Z][A-Z0-9_]{2,}):/.exec(e)?.[1] ?? null;
  return /^errors\.([A-Z][A-Z0-9_]{2,})\./.exec(e.code)?.[1] ?? null;
}

/** A sync error of this device (`errors.sync.<key>`) → its key; null for anything else. */
const syncKeyOf = (e: StoredError | null): string | null =>
  e !== null && typeof e !== 'string' && e.code.startsWith('errors.sync.') ? e.code.slice(12) : null;

/** Why a queued item waits, from a stored sentence written before messages (English). */
function queuedLegacy(msg: string): OutboxWords {
  if (/unreachable|network|timed? ?out|ECONN/i.test(msg)) return { what: w('queued.unreachable.what'), next: w('queued.unreachable.next') };
  if (/paused/i.test(msg)) return { what: w('queued.paused.what'), next: w('queued.paused.next') };
  if (codeOf(msg)) return { what: w('queued.failed.what'), next: w('queued.retrying') };
  return { what: w('queued.waiting', { message: msg }), next: w('queued.retrying') };
}

/** Why a queued item waits: the network, a pause, a server refusal it retries after, or the app's own wait. */
function queued(e: StoredError): OutboxWords {
  if (typeof e === 'string') return queuedLegacy(e);
  const key = syncKeyOf(e);
  if (key === 'server_unreachable' || key === 'unreachable') return { what: w('queued.unreachable.what'), next: w('queued.unreachable.next') };
  if (key === 'paused') return { what: w('queued.paused.what'), next: w('queued.paused.next') };
  if (codeOf(e) || key === 'http' || key === 'malformed_reply') return { what: w('queued.failed.what'), next: w('queued.retrying') };
  // The app's own waits (the tenant key, an attachment, a blocked device) are said in words of their own.
  return { what: w('queued.waiting', { message: storedErrorText(e) }), next: w('queued.retrying') };
}

/** Server refusals by code: the `problem.refused.*` pair of messages each one uses. */
const REFUSED: Record<string, string> = {
  VALIDATION_ERROR: 'validation',
  CONFLICT: 'conflict',
  IDEMPOTENCY_CONFLICT: 'conflict',
  FORBIDDEN: 'forbidden',
  UNAUTHORIZED: 'unauthorized',
  ATTACHMENT_MISSING: 'attachmentMissing',
  REJECTED: 'rejected',
};

/** The problem of an item in words, or null when it has none. */
export function outboxProblem(item: Pick<OutboxItem, 'state' | 'lastError' | 'requiredVersion'>): OutboxWords | null {
  const msg = item.lastError;
  switch (item.state) {
    case 'blocked':
      return {
        what: item.requiredVersion ? w('blocked.whatVersion', { version: item.requiredVersion }) : w('blocked.what'),
        next: w('blocked.next'),
      };
    case 'dead': {
      const code = codeOf(msg) ?? (syncKeyOf(msg) === 'rejected' ? 'REJECTED' : null);
      const known = code ? REFUSED[code] : undefined;
      if (known) return { what: w(`refused.${known}.what`), next: w(`refused.${known}.next`) };
      if (syncKeyOf(msg) === 'no_result' || (typeof msg === 'string' && /no result/i.test(msg)))
        return { what: w('dead.noAnswer.what'), next: w('dead.noAnswer.next') };
      return { what: w('dead.gaveUp.what'), next: w('dead.gaveUp.next') };
    }
    case 'queued':
      return msg ? queued(msg) : null;
    case 'discarded':
      return { what: w('discarded'), next: null };
    default:
      return null;
  }
}

/** What an empty outbox says (all items, or one state). */
export function emptyOutboxText(filter: string): string {
  if (filter === 'dead' || filter === 'blocked') return i18next.t('outbox:empty.problems');
  if (filter) return i18next.t('outbox:empty.state');
  return i18next.t('outbox:empty.all');
}
