// Withdrawing an item the server has not accepted: the run engine's saga takes back what a capture
// or submit step queued (src/main/features/runs, RunOutbox port). Moved here from
// runs/executors/withdraw.ts with no change: the outbox owns its table.
import type { Db } from '../../platform/db/connection';
import type { AuditService } from '../../platform/audit/index';
import { ApiError } from '../../../shared/errors';
import type { Outbox } from './index';

export interface OutboxWithdrawalDeps {
  db: Db;
  audit: AuditService;
  outbox: Pick<Outbox, 'stateOf' | 'discard' | 'row'>;
}

/**
 * Discard an outbox item that has not been accepted by the server. Outbox.discard only takes dead or
 * blocked items (a user's choice from the Outbox view); a queued item is withdrawn here, with the
 * same audit action and payload shape, plus whether its bytes may already have left the device
 * (sealed = sent at least once; the server may hold it although no receipt came back).
 * An acked item cannot be withdrawn from this device: that is a failure. In the caller's transaction.
 */
function withdrawOutboxItem(deps: OutboxWithdrawalDeps, id: string, actor: string, reason: string): Record<string, unknown> {
  const state = deps.outbox.stateOf(id);
  if (state === undefined) throw new ApiError('NOT_FOUND', `No outbox item ${id}`, { reason: 'outbox_item', id });
  if (state === 'discarded') return { outboxId: id, outcome: 'already-discarded' };
  if (state === 'dead' || state === 'blocked') {
    deps.outbox.discard(id, actor, reason);
    return { outboxId: id, outcome: 'discarded', from: state };
  }
  if (state === 'queued') {
    const row = deps.outbox.row(id);
    const mayHaveReachedServer = row.ciphertext !== null;
    const res = deps.db.prepare("UPDATE outbox SET state = 'discarded' WHERE id = ? AND state = 'queued'").run(id);
    if (res.changes !== 1) throw new Error(`outbox item ${id} changed state while it was being withdrawn`);
    deps.audit.append({
      actor,
      action: 'outbox.discarded',
      subject: id,
      payload: { reason, from: 'queued', idempotencyKey: row.idempotency_key, mayHaveReachedServer },
    });
    return { outboxId: id, outcome: 'discarded', from: 'queued', mayHaveReachedServer };
  }
  throw new Error(`outbox item ${id} was already accepted by the server (${state}); it cannot be withdrawn from this device`);
}

/** `{ withdraw }` over an outbox: what the run engine's saga is given (its RunOutbox port). */
export function createOutboxWithdrawal(deps: OutboxWithdrawalDeps): { withdraw(id: string, actor: string, reason: string): Record<string, unknown> } {
  return { withdraw: (id, actor, reason) => withdrawOutboxItem(deps, id, actor, reason) };
}
