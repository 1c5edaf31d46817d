// Reads of the runs table that team sync needs (src/main/features/team/ports.ts: TeamRunQueries).
import type { Db } from '../../platform/db/connection';
import type { RunStatus } from '../../../shared/workflow/types';

export class RunTeamQueries {
  constructor(private readonly db: Db) {}

  /** One run's state; null when there is no such run. */
  state(runId: string): { id: string; status: RunStatus; awaitingCard: string | null; updatedAt: string } | null {
    const r = this.db.prepare('SELECT id, status, awaiting_card, updated_at FROM runs WHERE id = ?').get(runId) as
      { id: string; status: RunStatus; awaiting_card: string | null; updated_at: string } | undefined;
    return r ? { id: r.id, status: r.status, awaitingCard: r.awaiting_card, updatedAt: r.updated_at } : null;
  }

  /** Every run of this device that waits for a reviewer, oldest first. */
  awaitingIds(): string[] {
    return this.db.prepare("SELECT id FROM runs WHERE status = 'awaiting_approval' ORDER BY created_at, id").pluck().all() as string[];
  }

  /** This device's runs in the team list order: newest first by (created_at, me, id), before the keyset. */
  page(q: {
    status: string | null;
    me: string;
    before: [time: string, device: string, id: string] | null;
    limit: number;
  }): { id: string; created_at: string; awaiting_card: string | null; updated_at: string }[] {
    return this.db
      .prepare(
        `SELECT id, created_at, awaiting_card, updated_at FROM runs
         WHERE (:status IS NULL OR status = :status) AND (:bTime IS NULL OR (created_at, :me, id) < (:bTime, :bDevice, :bId))
         ORDER BY created_at DESC, id DESC LIMIT :limit`,
      )
      .all({ status: q.status, me: q.me, bTime: q.before?.[0] ?? null, bDevice: q.before?.[1] ?? null, bId: q.before?.[2] ?? null, limit: q.limit }) as {
      id: string;
      created_at: string;
      awaiting_card: string | null;
      updated_at: string;
    }[];
  }
}
