// A synthetic fleet for the admin board (demo and e2e): devices written straight into a sync server's
// SQLite database, as if they had enrolled and synced at various times, then their stored risk ranks
// recomputed by the server's own SQL. Deterministic for a given seed. Usable while the server runs
// (WAL): the server reads these rows like any others.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { DAY_MS, DEFAULT_RISK_POLICY } from '../src/shared/risk';
import { recomputeRiskSql } from '../src/server/storage/common';
import { lcg31 } from '../src/platform/prng';

export interface FleetDevice {
  id: string;
  name: string;
  user: string;
  /** Days since the last sync; null: enrolled `enrolledDaysAgo` ago and never synced. */
  offlineDays: number | null;
  enrolledDaysAgo: number;
  pending: number;
  dead: number;
  contracts?: Record<string, string>;
}

/** A fleet shaped like the field: most devices sync daily, a tail is offline for weeks. */
export function syntheticFleet(count: number, seed = 20261122): FleetDevice[] {
  const rnd = lcg31(seed);
  const out: FleetDevice[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    const offlineDays = r < 0.7 ? rnd() * 2 : r < 0.88 ? 2 + rnd() * 12 : r < 0.97 ? 14 + rnd() * 30 : r < 0.99 ? 30 + rnd() * 60 : null;
    out.push({
      id: `dev_fleet${i.toString(36).padStart(8, '0')}`,
      name: `Laptop ${String(i + 1).padStart(5, '0')}`,
      user: `user${(i % 997) + 1}@field`,
      offlineDays,
      enrolledDaysAgo: 90 + Math.floor(rnd() * 200),
      pending: Math.floor(rnd() < 0.9 ? rnd() * 40 : rnd() * 200),
      dead: rnd() < 0.95 ? 0 : Math.floor(rnd() * 20),
      contracts: { 'field.inspect.site': '1.2.0', 'lab.record.specimen': '2.0.1' },
    });
  }
  return out;
}

export function seedFleet(dbPath: string, tenant: string, devices: readonly FleetDevice[], now = new Date()): void {
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare(
    `INSERT INTO devices (id, tenant, user_id, roles, name, public_key, enrolled_at, last_sync_at, app_version,
       pending_count, dead_letter_count, contract_versions)
     VALUES (?, ?, ?, '["field"]', ?, ?, ?, ?, '0.1.0', ?, ?, ?)`,
  );
  // Keys nobody holds: these devices can be listed and acted on, never sync.
  const pk = randomBytes(32).toString('base64');
  const t = now.getTime();
  db.transaction(() => {
    for (const d of devices) {
      insert.run(
        d.id,
        tenant,
        d.user,
        d.name,
        pk,
        new Date(t - d.enrolledDaysAgo * DAY_MS).toISOString(),
        d.offlineDays === null ? null : new Date(t - d.offlineDays * DAY_MS).toISOString(),
        d.pending,
        d.dead,
        JSON.stringify(d.contracts ?? {}),
      );
    }
    const { sql, params } = recomputeRiskSql('sqlite', { tenant }, now.toISOString(), DEFAULT_RISK_POLICY);
    db.prepare(sql).run(params.named());
  })();
  db.close();
}
