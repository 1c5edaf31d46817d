// Postgres storage, governance: the admin device list, risk, snapshots, controls, policies, version levels, meta.
import { DEFAULT_RISK_POLICY, type RiskPolicy } from '../../shared/risk';
import {
  deviceListSql,
  planVersionLevels,
  recomputeRiskSql,
  refreshRiskSql,
  riskSummarySql,
  toDevice,
  toSummary,
  versionLevelBatchSql,
  type DeviceRow,
  type VersionLevelRow,
} from './common';
import { eventFeedRow } from './team';
import { type SnapshotInput, type ServerStorage, VERSION_LEVEL_BATCH } from './types';
import type { PostgresContext } from './postgres-context';
import { UPSERT_SNAPSHOT, snapshotArgs, withTx } from './postgres-helpers';

function governanceMethods1({
  pool,
  audit,
  getDevice,
  feed,
  appendFeed,
}: PostgresContext): Pick<ServerStorage, 'listDevices' | 'riskSummary' | 'deviceSnapshots' | 'upsertSnapshots' | 'controlDevice'> {
  return {
    async listDevices(query) {
      const refresh = refreshRiskSql('postgres', query);
      await pool.query(refresh.sql, refresh.params.values);
      const { page, count } = deviceListSql('postgres', query);
      const [rows, total] = await Promise.all([pool.query<DeviceRow>(page.sql, page.params.values), pool.query<{ n: number }>(count.sql, count.params.values)]);
      return { rows: rows.rows.map(toDevice), total: Number(total.rows[0]?.n ?? 0) };
    },

    async riskSummary(query) {
      const refresh = refreshRiskSql('postgres', query);
      await pool.query(refresh.sql, refresh.params.values);
      const { sql, params } = riskSummarySql('postgres', query);
      return toSummary((await pool.query<{ kind: string; k: number; n: number }>(sql, params.values)).rows);
    },

    async deviceSnapshots(device, limit) {
      const r = await pool.query<{
        day: string;
        device: string;
        tenant: string;
        level: SnapshotInput['level'];
        pending_count: number;
        dead_letter_count: number;
        last_sync_at: string | null;
      }>(
        'SELECT day, device, tenant, level, pending_count, dead_letter_count, last_sync_at FROM device_snapshots WHERE device = $1 ORDER BY day DESC LIMIT $2',
        [device, limit],
      );
      return r.rows.map((x) => ({
        day: x.day,
        device: x.device,
        tenant: x.tenant,
        level: x.level,
        pendingCount: x.pending_count,
        deadLetterCount: x.dead_letter_count,
        lastSyncAt: x.last_sync_at,
      }));
    },

    upsertSnapshots: async (rows) => {
      if (rows.length === 0) return;
      await withTx(pool, async (c) => {
        for (const r of rows) await c.query(UPSERT_SNAPSHOT, snapshotArgs(r));
      });
    },

    controlDevice: async (id, tenant, control, reason, a, risk) => {
      const out = await withTx(pool, async (c) => {
        const dev = await getDevice(c, id, true);
        if (!dev || dev.tenant !== tenant) return null;
        if (control === 'block')
          await c.query('UPDATE devices SET blocked_at = COALESCE(blocked_at, $1), blocked_reason = $2 WHERE id = $3', [a.ts, reason, id]);
        else if (control === 'unblock') await c.query('UPDATE devices SET blocked_at = NULL, blocked_reason = NULL WHERE id = $1', [id]);
        else if (control === 'require-update')
          await c.query('UPDATE devices SET update_required_at = COALESCE(update_required_at, $1) WHERE id = $2', [a.ts, id]);
        else await c.query('UPDATE devices SET update_required_at = NULL WHERE id = $1', [id]);
        const recompute = recomputeRiskSql('postgres', { id }, risk.now, risk.policy);
        await c.query(recompute.sql, recompute.params.values);
        await audit(c, a);
        if (control === 'block' || control === 'unblock')
          await appendFeed(c, dev.tenant, [eventFeedRow(control === 'block' ? 'blocked' : 'unblocked', dev, a.ts, reason)], a.ts);
        return getDevice(c, id);
      });
      if (out && (control === 'block' || control === 'unblock')) feed.notify(out.tenant);
      return out;
    },
  };
}

function governanceMethods2({
  pool,
  audit,
}: PostgresContext): Pick<ServerStorage, 'getRiskPolicy' | 'putRiskPolicy' | 'recomputeVersionLevels' | 'getMeta' | 'setMeta'> {
  return {
    async getRiskPolicy(tenant) {
      const r = await pool.query<{ policy: RiskPolicy }>('SELECT policy FROM tenant_risk_policies WHERE tenant = $1', [tenant]);
      return r.rows[0]?.policy ?? null;
    },

    putRiskPolicy: (tenant, policy, a, now) =>
      withTx(pool, async (c) => {
        const recompute = recomputeRiskSql('postgres', { tenant }, now, policy);
        await c.query(recompute.sql, recompute.params.values);
        await c.query(
          `INSERT INTO tenant_risk_policies (tenant, policy, updated_at, updated_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
          [tenant, JSON.stringify(policy), a.ts, a.actor],
        );
        await audit(c, a);
      }),

    async recomputeVersionLevels(r) {
      const limit = r.batchSize ?? VERSION_LEVEL_BATCH;
      let after = '';
      let examined = 0;
      let changed = 0;
      for (;;) {
        // One transaction per batch; FOR UPDATE holds the rows so a concurrent sync waits for us
        // (or we for it) and the level written is computed from the row as it is.
        const n = await withTx(pool, async (c) => {
          const batch = versionLevelBatchSql('postgres', r.scope, after, limit);
          const rows = (await c.query<VersionLevelRow>(batch.sql, batch.params.values)).rows;
          const tenants = [...new Set(rows.map((x) => x.tenant))];
          const stored = tenants.length
            ? (
                await c.query<{ tenant: string; policy: RiskPolicy }>('SELECT tenant, policy FROM tenant_risk_policies WHERE tenant = ANY($1::text[])', [
                  tenants,
                ])
              ).rows
            : [];
          const policies = new Map(stored.map((x) => [x.tenant, x.policy]));
          const policyOf = (tenant: string): RiskPolicy => policies.get(tenant) ?? DEFAULT_RISK_POLICY;
          for (const [tenant, list] of planVersionLevels(rows, policyOf, r.levelOf)) {
            await c.query('UPDATE devices AS d SET version_level = x.level FROM unnest($1::text[], $2::integer[]) AS x(id, level) WHERE d.id = x.id', [
              list.map((x) => x.id),
              list.map((x) => x.level),
            ]);
            const recompute = recomputeRiskSql('postgres', { tenant, ids: list.map((x) => x.id) }, r.now, policyOf(tenant));
            await c.query(recompute.sql, recompute.params.values);
            changed += list.length;
          }
          after = rows[rows.length - 1]?.id ?? after;
          return rows.length;
        });
        examined += n;
        if (n < limit) break;
      }
      return { examined, changed };
    },

    async getMeta(key) {
      return (await pool.query<{ value: string | null }>('SELECT value FROM server_meta WHERE key = $1', [key])).rows[0]?.value ?? null;
    },

    async setMeta(key, value) {
      await pool.query('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
  };
}

export function postgresGovernanceMethods(ctx: PostgresContext) {
  return { ...governanceMethods1(ctx), ...governanceMethods2(ctx) };
}
