// Pure words of an outbox item's problem (no API, no DOM): what happened to it and what to do next. The
// stored message (often `CODE: message` from the server) stays under Details.
import type { OutboxItem } from '../../../shared/api/types';

export interface OutboxWords {
  what: string;
  next: string | null;
}

/** `CODE: message` → the code; null when the message has none. */
export const codeOf = (message: string | null): string | null => (message ? (/^([A-Z][A-Z0-9_]{2,}):/.exec(message)?.[1] ?? null) : null);

const REFUSED: Record<string, OutboxWords> = {
  VALIDATION_ERROR: {
    what: 'The server refused this item: some of its data does not fit the form.',
    next: 'Capture the report again with the data corrected, then discard this one.',
  },
  CONFLICT: {
    what: 'The server already holds a different version of this item.',
    next: 'Ask an admin which version is right; discard this one if the server’s is.',
  },
  IDEMPOTENCY_CONFLICT: {
    what: 'The server already holds a different version of this item.',
    next: 'Ask an admin which version is right; discard this one if the server’s is.',
  },
  FORBIDDEN: { what: 'The server did not allow this device to send this item.', next: 'Ask an admin to check this device’s enrollment, then retry.' },
  UNAUTHORIZED: { what: 'The server did not recognise this device.', next: 'Ask an admin to check this device’s enrollment, then retry.' },
  ATTACHMENT_MISSING: { what: 'A photo or file of this item did not reach the server.', next: 'Retry: the files are uploaded again.' },
  REJECTED: { what: 'The server refused this item.', next: 'Retry once. If it is refused again, ask an admin and show them the Details.' },
};

/** The problem of an item in words, or null when it has none. */
export function outboxProblem(item: Pick<OutboxItem, 'state' | 'lastError' | 'requiredVersion'>): OutboxWords | null {
  const msg = item.lastError;
  switch (item.state) {
    case 'blocked':
      return {
        what: `The server needs a newer version of this form${item.requiredVersion ? ` (${item.requiredVersion})` : ''} than the one it was filled in with.`,
        next: 'Update the app, then retry, or capture the report again on the new form and discard this one.',
      };
    case 'dead': {
      const code = codeOf(msg);
      const known = code ? REFUSED[code] : undefined;
      if (known) return known;
      if (msg && /no result/i.test(msg)) return { what: 'The server did not answer for this item.', next: 'Retry.' };
      return {
        what: 'This item could not be sent after several tries, so it stopped trying.',
        next: 'Retry. If it fails again, ask an admin and show them the Details.',
      };
    }
    case 'queued':
      if (!msg) return null;
      if (/unreachable|network|timed? ?out|ECONN/i.test(msg))
        return { what: 'Not sent yet: the server could not be reached.', next: 'Nothing to do: it is sent when the connection is back.' };
      if (/paused/i.test(msg)) return { what: 'Not sent yet: uploading is paused.', next: 'Resume the upload in the Outbox.' };
      if (codeOf(msg)) return { what: 'Not sent yet: the last try failed.', next: 'Nothing to do: it is tried again automatically.' };
      // The sealing step's own waits ("waiting for the tenant key …") are already words.
      return { what: `Not sent yet. ${msg}`, next: 'Nothing to do: it is tried again automatically.' };
    case 'discarded':
      return { what: 'Discarded: it will never be sent.', next: null };
    default:
      return null;
  }
}

/** What an empty outbox says (all items, or one state). */
export function emptyOutboxText(filter: string): string {
  if (filter === 'dead' || filter === 'blocked') return 'No problems here: nothing was refused or needs a newer form.';
  if (filter) return 'No items in this state. Choose All to see every item.';
  return 'Nothing to send. Reports you capture wait here until they are sent at the next sync.';
}
