// Probes (open) and the storage probe with sync queue figures (admins only). Not wrapped in the
// { ok, data } envelope: load balancers and uptime checkers read status codes and a flat body.
// None says anything about devices: counts are for admins (/v1/admin/health).
// - /livez: the process answers (no I/O); for systemd, watchdogs and people.
// - /readyz: send traffic here? Not draining, the database answers within a second, this build runs
//   on its schema, and (PostgreSQL) the LISTEN connection that wakes pulls is up. For HAProxy.
// - /healthz: the older probe devices call on every tick; its storage check is cached for a few
//   seconds so a fleet of devices costs no per-probe database work (the integrity check is O(db)).
import { Hono } from 'hono';
import type { ServerDeps } from '../deps';
import type { AppEnv } from '../http';
import type { AdminHealthResponse, HealthResponse } from '../../shared/server-api';
import type { StorageHealth, StorageReadiness, SyncStats } from '../storage/types';
import type { Lifecycle } from '../lifecycle';

export type HealthDeps = Pick<ServerDeps, 'storage' | 'version' | 'clock' | 'startedAt' | 'serverKey'>;

/** How long /healthz reuses its storage check. */
const HEALTHZ_CACHE_MS = 5000;

/** The full report, and whether it is healthy (200) or not (503). */
export async function healthReport(deps: HealthDeps): Promise<{ ok: boolean; body: AdminHealthResponse }> {
  const db = await probe(deps);
  const sync = db.ok ? await stats(deps) : null;
  const ok = db.ok && sync !== null;
  const uptimeSeconds = uptimeOf(deps);
  const body: AdminHealthResponse = {
    status: ok ? 'ok' : 'error',
    version: deps.version,
    uptimeSeconds,
    db: {
      status: ok ? 'ok' : 'error',
      detail: sync === null && db.ok ? 'stats query failed' : db.detail,
      sizeBytes: db.sizeBytes,
      backend: deps.storage.backend,
    },
    ...(sync ? { sync } : {}),
    serverKeyId: deps.serverKey.keyId,
  };
  return { ok, body };
}

export function createHealthRouter(deps: HealthDeps & { lifecycle: Lifecycle }): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  let cached: { at: number; db: Promise<StorageHealth> } | null = null;
  router.get('/healthz', async (c) => {
    const now = performance.now();
    if (!cached || now - cached.at > HEALTHZ_CACHE_MS) cached = { at: now, db: probe(deps) };
    const ok = (await cached.db).ok;
    const open: HealthResponse = {
      status: ok ? 'ok' : 'error',
      version: deps.version,
      uptimeSeconds: uptimeOf(deps),
      serverKeyId: deps.serverKey.keyId,
    };
    return c.json(open, ok ? 200 : 503);
  });
  router.get('/livez', (c) => c.json({ status: 'ok' }));
  router.get('/readyz', async (c) => {
    const draining = deps.lifecycle.draining;
    const r: StorageReadiness = await deps.storage.readiness().catch(() => ({ db: false, schema: false }));
    const checks = { draining, ...r };
    const ready = !draining && r.db && r.schema && r.listen !== false;
    return c.json({ status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks }, ready ? 200 : 503);
  });
  return router;
}

// Clamp: a wall clock stepped backwards must not produce a negative uptime.
const uptimeOf = (deps: HealthDeps): number => Math.max(0, Math.floor((deps.clock.now().getTime() - deps.startedAt) / 1000));

// A storage that throws should still yield a 503 health report, not a 500.
async function probe(deps: HealthDeps): Promise<StorageHealth> {
  try {
    return await deps.storage.health();
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), sizeBytes: 0 };
  }
}

async function stats(deps: HealthDeps): Promise<SyncStats | null> {
  try {
    return await deps.storage.stats();
  } catch {
    return null;
  }
}
