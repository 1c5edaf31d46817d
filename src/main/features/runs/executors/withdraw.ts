// The saga's "withdraw": take back what a capture or submit step stored or queued for the server.
import type { ExecutorDeps } from './types';
import { ApiError } from '../../../../shared/errors';

/** Take back an outbox item the server has not accepted (the outbox decides how: outbox/withdraw.ts). */
export function withdrawOutboxItem(deps: ExecutorDeps, id: string, actor: string, reason: string): Record<string, unknown> {
  return deps.outbox.withdraw(id, actor, reason);
}

/** Delete a draft a step stored, if the user has not already deleted or submitted it. */
export function withdrawDraft(deps: ExecutorDeps, id: string): Record<string, unknown> {
  try {
    deps.capture.deleteDraft(id);
    return { draftId: id, outcome: 'deleted' };
  } catch (e) {
    if (e instanceof ApiError && e.code === 'NOT_FOUND') return { draftId: id, outcome: 'already-gone' };
    throw e;
  }
}
