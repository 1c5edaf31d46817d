import type { CardStatus, Lane } from '../../../shared/workflow/types';
import type { CardSort } from '../../../shared/workflow/views';

export const CARD_STATUSES_FOR_QUERY: readonly CardStatus[] = ['allowed', 'denied', 'awaiting_approval', 'approved', 'rejected'];

/** A validated CardListQuery: text is already an FTS5 expression, from/to ISO times. */
export interface NormalizedQuery {
  text: string | null;
  lane: Lane | null;
  status: CardStatus | null;
  failedInvariant: string | null;
  runId: string | null;
  from: string | null;
  to: string | null;
  sort: CardSort;
  dir: 'asc' | 'desc';
  limit: number;
  cursor: string | null;
}
