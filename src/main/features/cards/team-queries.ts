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
   * This device's cards in the team list order: (key, me, id) in `dir` order, after the keyset; key is
   * created_at, cost_cents or uncertainty (0 when none). `status` approved / rejected also matches
   * cards still awaiting approval.
   */
  page(q: {
    status: string | null;
    lane: string | null;
    runId: string | null;
    text: string | null;
    words?: string | null;
    me: string;
    failedInvariant: string | null;
    from: string | null;
    to: string | null;
    sort: 'time' | 'cost' | 'uncertainty';
    dir: 'asc' | 'desc';
    after: [key: string | number, device: string, id: string] | null;
    limit: number;
  }): { id: string; created_at: string; k: string | number }[] {
    // Fixed fragments only (the sort and order are enums): no input reaches the SQL text.
    const key = q.sort === 'cost' ? 'c.cost_cents' : q.sort === 'uncertainty' ? 'COALESCE(c.uncertainty, 0)' : 'c.created_at';
    const op = q.dir === 'asc' ? '>' : '<';
    const order = q.dir === 'asc' ? 'ASC' : 'DESC';
    return this.db
      .prepare(
        `SELECT c.id, c.created_at, ${key} AS k FROM decision_cards c
         WHERE (:status IS NULL OR c.status = :status OR (c.status = 'awaiting_approval' AND :status IN ('approved','rejected')))
           AND (:lane IS NULL OR c.lane = :lane) AND (:run IS NULL OR c.run_id = :run)
           AND (:text IS NULL OR c.body LIKE :text ESCAPE '\\' OR (:fts IS NOT NULL AND c.seq IN (SELECT rowid FROM cards_fts WHERE cards_fts MATCH :fts)))
           AND (:from IS NULL OR c.created_at >= :from) AND (:to IS NULL OR c.created_at <= :to)
           AND (:inv IS NULL OR EXISTS (SELECT 1 FROM card_failed_invariants fi WHERE fi.card_seq = c.seq AND fi.invariant_id = :inv))
           AND (:bKey IS NULL OR (${key}, :me, c.id) ${op} (:bKey, :bDevice, :bId))
         ORDER BY k ${order}, c.id ${order} LIMIT :limit`,
      )
      .all({
        status: q.status,
        lane: q.lane,
        run: q.runId,
        text: q.text,
        fts: q.words ? ftsExpression(q.words) : null,
        me: q.me,
        inv: q.failedInvariant,
        from: q.from,
        to: q.to,
        bKey: q.after?.[0] ?? null,
        bDevice: q.after?.[1] ?? null,
        bId: q.after?.[2] ?? null,
        limit: q.limit,
      }) as { id: string; created_at: string; k: string | number }[];
  }
}
