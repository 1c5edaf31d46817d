// Sqlite storage, governance: the admin device list, risk, snapshots, controls, policies, version levels, meta.
import { setImmediate as nextTurn } from 'node:timers/promises';
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
import { type DeviceControl, type SnapshotInput, type ServerStorage, VERSION_LEVEL_BATCH } from './types';
import type { SqliteContext } from './sqlite-context';

function governanceMethods1({
  db,
  q,
  audit,
  getDevice,
  feed,
  appendFeed,
  run,
  keepStatistics,
}: SqliteContext): Pick<
  ServerStorage,
  'listDevices' | 'riskSummary' | 'deviceSnapshots' | 'upsertSnapshots' | 'controlDevice' | 'getRiskPolicy' | 'putRiskPolicy'
> {
  return {
    listDevices: (query) => {
      // Prepared per call: the statement's shape depends on the filters (better-sqlite3 caches little,
      // but preparing costs microseconds next to the query).
      keepStatistics();
      run(refreshRiskSql('sqlite', query));
      const { page, count } = deviceListSql('sqlite', query);
      const rows = db.prepare(page.sql).all(page.params.named()) as DeviceRow[];
      const total = (db.prepare(count.sql).get(count.params.named()) as { n: number }).n;
      return Promise.resolve({ rows: rows.map(toDevice), total });
    },

    riskSummary: (query) => {
      keepStatistics();
      run(refreshRiskSql('sqlite', query));
      const { sql, params } = riskSummarySql('sqlite', query);
      return Promise.resolve(toSummary(db.prepare(sql).all(params.named()) as Array<{ kind: string; k: number; n: number }>));
    },

    deviceSnapshots: (device, limit) =>
      Promise.resolve(
        (q.snapshots.all(device, limit) as Array<Record<string, unknown>>).map((r): SnapshotInput => ({
          day: String(r.day),
          device: String(r.device),
          tenant: String(r.tenant),
          level: r.level as SnapshotInput['level'],
          pendingCount: Number(r.pending_count),
          deadLetterCount: Number(r.dead_letter_count),
          lastSyncAt: (r.last_sync_at as string | null) ?? null,
        })),
      ),

    upsertSnapshots: (rows) => {
      if (rows.length > 0) db.transaction(() => rows.forEach((r) => q.upsertSnapshot.run(r))).immediate();
      return Promise.resolve();
    },

    controlDevice: (id, tenant, control: DeviceControl, reason, a, risk) =>
      Promise.resolve(
        db
          .transaction(() => {
            const dev = getDevice(id);
            if (!dev || dev.tenant !== tenant) return null;
            if (control === 'block') q.block.run(a.ts, reason, id);
            else if (control === 'unblock') q.unblock.run(id);
            else if (control === 'require-update') q.requireUpdate.run(a.ts, id);
            else q.clearUpdate.run(id);
            run(recomputeRiskSql('sqlite', { id }, risk.now, risk.policy));
            audit(a);
            if (control === 'block' || control === 'unblock')
              appendFeed(dev.tenant, [eventFeedRow(control === 'block' ? 'blocked' : 'unblocked', dev, a.ts, reason)], a.ts);
            return getDevice(id);
          })
          .immediate(),
      ).then((dev) => {
        if (dev && (control === 'block' || control === 'unblock')) feed.notify(dev.tenant);
        return dev;
      }),

    getRiskPolicy: (tenant) => {
      const row = q.policy.get(tenant) as { policy: string } | undefined;
      return Promise.resolve(row ? (JSON.parse(row.policy) as RiskPolicy) : null);
    },

    putRiskPolicy: (tenant, policy, a, now) => {
      db.transaction(() => {
        q.putPolicy.run(tenant, JSON.stringify(policy), a.ts, a.actor);
        run(recomputeRiskSql('sqlite', { tenant }, now, policy));
        audit(a);
      }).immediate();
      return Promise.resolve();
    },
  };
}

function governanceMethods2({ db, q, run }: SqliteContext): Pick<ServerStorage, 'recomputeVersionLevels' | 'getMeta' | 'setMeta'> {
  return {
    recomputeVersionLevels: async (r) => {
      const limit = r.batchSize ?? VERSION_LEVEL_BATCH;
      let after = '';
      let examined = 0;
      let changed = 0;
      for (;;) {
        // Each batch is one IMMEDIATE transaction (read, compute, write: no sync in between); other
        // requests get the database between batches.
        const n = db
          .transaction(() => {
            const batch = versionLevelBatchSql('sqlite', r.scope, after, limit);
            const rows = db.prepare(batch.sql).all(batch.params.named()) as VersionLevelRow[];
            const policies = new Map<string, RiskPolicy>();
            const policyOf = (tenant: string): RiskPolicy => {
              let p = policies.get(tenant);
              if (!p) {
                const row = q.policy.get(tenant) as { policy: string } | undefined;
                p = row ? (JSON.parse(row.policy) as RiskPolicy) : DEFAULT_RISK_POLICY;
                policies.set(tenant, p);
              }
              return p;
            };
            for (const [tenant, list] of planVersionLevels(rows, policyOf, r.levelOf)) {
              for (const x of list) q.setVersionLevel.run(x.level, x.id);
              run(recomputeRiskSql('sqlite', { tenant, ids: list.map((x) => x.id) }, r.now, policyOf(tenant)));
              changed += list.length;
            }
            after = rows[rows.length - 1]?.id ?? after;
            return rows.length;
          })
          .immediate();
        examined += n;
        if (n < limit) break;
        await nextTurn();
      }
      return { examined, changed };
    },

    getMeta: (key) => Promise.resolve((q.getMeta.get(key) as string | undefined) ?? null),
    setMeta: (key, value) => {
      q.setMeta.run(key, value);
      return Promise.resolve();
    },
  };
}

export function sqliteGovernanceMethods(ctx: SqliteContext) {
  return { ...governanceMethods1(ctx), ...governanceMethods2(ctx) };
}
