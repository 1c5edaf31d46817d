// Retention of what other devices shared with this one (a reviewer's copy of their records, runs,
// cards, team events and the approvals they sent): kept for the policy's `params.teamRetentionDays` (default 30) after this
// device received it, then purged, at start and every few hours. A run or card still awaiting a
// decision is kept (purging it would hide a pending approval). Each purge that removes rows is one
// transaction with its audit entry (counts and cutoff).
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { AuditService } from '../../platform/audit/index';

export const DEFAULT_TEAM_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export interface RetentionDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  logger: Logger;
  /** The policy's params (null when no policy is loaded). */
  params: () => Record<string, unknown> | null;
}

export interface PurgeResult {
  days: number;
  cutoff: string;
  records: number;
  runs: number;
  cards: number;
  events: number;
  /** Approvals other devices sent here, once applied, refused or seen. */
  inbox: number;
}

/** The retention in days the policy sets: a positive integer, else the default. */
export function retentionDays(params: Record<string, unknown> | null): number {
  const v = params?.teamRetentionDays;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_TEAM_RETENTION_DAYS;
}

export class TeamRetention {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: RetentionDeps) {}

  /** Delete what is older than the retention; audited when anything went. */
  purge(): PurgeResult {
    const days = retentionDays(this.d.params());
    const cutoff = new Date(this.d.clock.now().getTime() - days * DAY_MS).toISOString();
    const { db } = this.d;
    return db.transaction((): PurgeResult => {
      const records = db.prepare('DELETE FROM team_records WHERE received_at < ?').run(cutoff).changes;
      const runs = db.prepare(`DELETE FROM team_runs WHERE received_at < ? AND status <> 'awaiting_approval'`).run(cutoff).changes;
      const cards = db.prepare(`DELETE FROM team_cards WHERE received_at < ? AND status <> 'awaiting_approval'`).run(cutoff).changes;
      const events = db.prepare('DELETE FROM team_events WHERE at < ?').run(cutoff).changes;
      const inbox = db.prepare(`DELETE FROM team_inbox WHERE received_at < ? AND state <> 'pending'`).run(cutoff).changes;
      const r = { days, cutoff, records, runs, cards, events, inbox };
      if (records + runs + cards + events + inbox > 0)
        this.d.audit.append({ actor: 'system', action: 'team.retention_purged', subject: cutoff, payload: { ...r } });
      return r;
    })();
  }

  /** Purge now and then every `everyMs` (default 6 h) until stop(). */
  start(everyMs = 6 * 3_600_000): void {
    const run = () => {
      try {
        const r = this.purge();
        if (r.records + r.runs + r.cards + r.events + r.inbox) this.d.logger.info('team retention purge', { ...r });
      } catch (e) {
        this.d.logger.error('team retention purge failed', { code: 'TEAM_RETENTION_FAILED', err: (e as Error).message });
      }
    };
    run();
    this.timer ??= setInterval(run, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
