// Pure words of an outbox item's problem (no API, no DOM): what happened to it and what to do next. The
// stored message (often `CODE: message` from the server) stays under Details. The words are read from
// the outbox namespace when asked for, so they follow the language in use.
import type { OutboxItem } from '../../../shared/api/types';
import { i18next } from '../../i18n';

export interface OutboxWords {
  what: string;
  next: string | null;
}

/** `CODE: message` → the code; null when the message has none. */
export const codeOf = (message: string | null): string | null => (message ? (/^([A-Z][A-Z0-9_]{2,}):/.exec(message)?.[1] ?? null) : null);

/** A message of the outbox namespace's `problem` group. */
const w = (key: string, params?: Record<string, unknown>): string => i18next.t(`outbox:problem.${key}`, params);

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
      const code = codeOf(msg);
      const known = code ? REFUSED[code] : undefined;
      if (known) return { what: w(`refused.${known}.what`), next: w(`refused.${known}.next`) };
      if (msg && /no result/i.test(msg)) return { what: w('dead.noAnswer.what'), next: w('dead.noAnswer.next') };
      return { what: w('dead.gaveUp.what'), next: w('dead.gaveUp.next') };
    }
    case 'queued':
      if (!msg) return null;
      if (/unreachable|network|timed? ?out|ECONN/i.test(msg)) return { what: w('queued.unreachable.what'), next: w('queued.unreachable.next') };
      if (/paused/i.test(msg)) return { what: w('queued.paused.what'), next: w('queued.paused.next') };
      if (codeOf(msg)) return { what: w('queued.failed.what'), next: w('queued.retrying') };
      // The sealing step's own waits ("waiting for the tenant key …") are already words (from the app, in English).
      return { what: w('queued.waiting', { message: msg }), next: w('queued.retrying') };
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
