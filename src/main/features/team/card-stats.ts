// The tenant's card chart (cards.stats with scope 'tenant'): this device's stats plus the pulled
// cards', per lane per day (UTC) and the most often failed invariants, the same shape as this device's.
import type { CardStats } from '../../../shared/workflow/views';
import type { Db } from '../../platform/db/connection';

/** `local`: this device's stats for the same days (cards.stats); the pulled cards are added to it. */
export function tenantCardStats(db: Db, local: CardStats, top = 20): CardStats {
  const days = local.days.map((d) => ({ ...d }));
  const first = days[0]?.day;
  if (!first) return { days, failedInvariants: local.failedInvariants };
  const byDay = new Map(days.map((d) => [d.day, d]));
  const since = `${first}T00:00:00.000Z`;
  for (const r of db
    .prepare('SELECT substr(created_at, 1, 10) AS day, lane, count(*) AS n FROM team_cards WHERE created_at >= ? GROUP BY day, lane')
    .all(since) as { day: string; lane: string; n: number }[]) {
    const d = byDay.get(r.day);
    if (d && (r.lane === 'GREEN' || r.lane === 'YELLOW' || r.lane === 'RED')) d[r.lane] += r.n;
  }
  const counts = new Map(local.failedInvariants.map((f) => [f.id, f.count]));
  for (const r of db
    .prepare(
      `SELECT json_extract(i.value, '$.id') AS id, count(*) AS n FROM team_cards, json_each(team_cards.body, '$.invariants') i
       WHERE team_cards.created_at >= ? AND json_valid(team_cards.body) AND json_extract(i.value, '$.pass') = 0 GROUP BY id`,
    )
    .all(since) as { id: unknown; n: number }[]) {
    if (typeof r.id === 'string') counts.set(r.id, (counts.get(r.id) ?? 0) + r.n);
  }
  const failedInvariants = [...counts.entries()]
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1))
    .slice(0, top);
  return { days, failedInvariants };
}
