// Field devices share snapshots of their runs and cards with reviewers: queued in the outbox (inside
// the writer's transaction) once this device holds a tenant key, sealed with the latest state when
// sent; runs already waiting for a reviewer when the first key arrives are queued then (shareWaiting). The server's answer to an approval sent from here updates this device's decision.
import { canonicalJson } from '../../../shared/canonical';
import { TEAM_CONTRACTS, type ApprovalConflictDetails } from '../../../shared/team/protocol';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { TeamCore } from './core';
import type { TeamOutboxRow } from './ports';

export class Sharing {
  constructor(private readonly core: TeamCore) {}

  /**
   * Inside the card's transaction: queue a snapshot for reviewers. Only once this device holds a
   * tenant key (enrolled, and an admin device has handed it out): before that nothing could read it.
   */
  shareCard(card: DecisionCard): void {
    this.share('card', card.id, TEAM_CONTRACTS.card);
  }

  shareRun(runId: string): void {
    this.share('run', runId, TEAM_CONTRACTS.run);
  }

  /**
   * The first tenant key has just reached this device (created here, or unwrapped from the feed):
   * runs that began waiting for a reviewer before it existed were never shared (nothing could read
   * them), so every waiting run and its cards is queued now, inside the key's transaction.
   */
  shareWaiting(): number {
    const { d } = this.core;
    const ids = d.runQueries.awaitingIds();
    for (const id of ids) {
      this.shareRun(id);
      for (const card of d.cards.forRun(id)) this.shareCard(card);
    }
    if (ids.length) d.logger.info('waiting runs shared once the first tenant key arrived', { code: 'TEAM_SHARED_WAITING', runs: ids.length });
    return ids.length;
  }

  private share(kind: 'run' | 'card', id: string, contract: string): void {
    const { d } = this.core;
    const cfg = this.core.config();
    if (!cfg || d.tenantKeys.currentVersion(cfg.tenant) === null) return;
    d.outbox.enqueueShare(kind, id, contract, { tenant: cfg.tenant, deviceId: d.profile.require().deviceId }, this.core.now());
  }

  /** The plaintext of a team item, made when it is sealed (the latest state of the run or card). */
  plaintextOf(row: TeamOutboxRow): Buffer {
    const { d } = this.core;
    const cfg = this.core.config();
    if (row.kind === 'approval') return Buffer.from(canonicalJson({ kind: 'approval', approval: JSON.parse(row.payload!) as unknown }));
    if (row.kind === 'card') {
      const card = d.cards.get(row.ref_id!);
      return Buffer.from(canonicalJson({ kind: 'card', card, user: cfg?.user ?? '' }));
    }
    const run = d.runs.summary(row.ref_id!);
    const awaiting = d.runQueries.state(run.id)?.awaitingCard ?? null;
    // The record the run concerns, its AI summary and what a decision does: the reviewer decides on it.
    const context = d.runs.context(run.id);
    return Buffer.from(canonicalJson({ kind: 'run', run, awaitingCard: run.status === 'awaiting_approval' ? awaiting : null, user: cfg?.user ?? '', context }));
  }

  /** The server's answer to an approval this device sent. */
  noteApprovalResult(row: TeamOutboxRow, accepted: boolean, error?: { code: string; message: string; details?: Record<string, unknown> }): void {
    if (row.kind !== 'approval' || !row.ref_id) return;
    const { db } = this.core.d;
    if (accepted) {
      db.prepare("UPDATE team_decisions SET state = 'accepted', message = NULL, updated_at = ? WHERE approval_id = ? AND state = 'queued'").run(
        this.core.now(),
        row.ref_id,
      );
    } else {
      const w = (error?.details as ApprovalConflictDetails | undefined)?.winner;
      const msg =
        error?.code === 'CONFLICT' && w
          ? `Another reviewer decided first: ${w.user} on ${w.device} at ${w.receivedAt}`
          : `${error?.code ?? 'REFUSED'}: ${error?.message ?? ''}`;
      db.prepare('UPDATE team_decisions SET state = ?, message = ?, updated_at = ? WHERE approval_id = ?').run(
        error?.code === 'CONFLICT' ? 'conflict' : 'refused',
        msg,
        this.core.now(),
        row.ref_id,
      );
    }
    this.core.changed(0);
  }
}
