// What GET /metrics reads from the PostgreSQL storage: the pool's connections (in memory, free to
// read at every scrape) and the per-tenant queue depth.
import type pg from 'pg';
import { QUEUE_DEPTHS_SQL } from './sqlite-metrics';
import type { ServerStorage } from './types';

export function postgresMetricsMethods(pool: pg.Pool): Pick<ServerStorage, 'poolStats' | 'queueDepths'> {
  return {
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    queueDepths: async () => {
      const { rows } = await pool.query<{ tenant: string; pending: string | number }>(QUEUE_DEPTHS_SQL);
      return rows.map((r) => ({ tenant: r.tenant, pending: Number(r.pending) }));
    },
  };
}
