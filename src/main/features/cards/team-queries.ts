// Reads of decision_cards and card_approvals that team sync needs (src/main/features/team/ports.ts: TeamCardQueries).
import type { Db } from '../../platform/db/connection';
import { ftsExpression } from './query';

export class CardTeamQueries {
  constructor(private readonly db: Db) {}

  /** Whether a card already carries this approval. */
  hasApproval(approvalId: string): boolean {
    return this.db.prepare('SELECT 1 FROM card_approvals WHERE approval_id = ?').pluck().get(approvalId) !== undefined;
  }

  /**
   * This device's cards in the team list order: newest first by (created_at, me, id), before the
   * keyset. `status` approved / rejected also matches cards still awaiting approval.
   */
  page(q: {
    status: string | null;
    lane: string | null;
    runId: string | null;
    text: string | null;
    words?: string | null;
    me: string;
    before: [time: string, device: string, id: string] | null;
    limit: number;
  }): { id: string; created_at: string }[] {
    return this.db
      .prepare(
        `SELECT c.id, c.created_at FROM decision_cards c
         WHERE (:status IS NULL OR c.status = :status OR (c.status = 'awaiting_approval' AND :status IN ('approved','rejected')))
           AND (:lane IS NULL OR c.lane = :lane) AND (:run IS NULL OR c.run_id = :run)
           AND (:text IS NULL OR c.body LIKE :text ESCAPE '\\' OR (:fts IS NOT NULL AND c.seq IN (SELECT rowid FROM cards_fts WHERE cards_fts MATCH :fts)))
           AND (:bTime IS NULL OR (c.created_at, :me, c.id) < (:bTime, :bDevice, :bId))
         ORDER BY c.created_at DESC, c.id DESC LIMIT :limit`,
      )
      .all({
        status: q.status,
        lane: q.lane,
        run: q.runId,
        text: q.text,
        fts: q.words ? ftsExpression(q.words) : null,
        me: q.me,
        bTime: q.before?.[0] ?? null,
        bDevice: q.before?.[1] ?? null,
        bId: q.before?.[2] ?? null,
        limit: q.limit,
      }) as { id: string; created_at: string }[];
  }
}
