// What GET /metrics reads from the SQLite storage: the per-tenant queue depth (no pool to report).
import type Database from 'better-sqlite3';
import type { ServerStorage } from './types';

/** One GROUP BY over the devices table; metrics.ts caches it, so scrapes never load the database. */
export const QUEUE_DEPTHS_SQL = 'SELECT tenant, SUM(pending_count) AS pending FROM devices WHERE revoked_at IS NULL GROUP BY tenant';

export function sqliteMetricsMethods(db: Database.Database): Pick<ServerStorage, 'queueDepths'> {
  const depths = db.prepare(QUEUE_DEPTHS_SQL);
  return {
    queueDepths: () =>
      Promise.resolve((depths.all() as { tenant: string; pending: number | bigint }[]).map((r) => ({ tenant: r.tenant, pending: Number(r.pending) }))),
  };
}
