// Liveness (open) and the storage probe with sync queue figures (admins only). /healthz is
// deliberately not wrapped in the { ok, data } envelope: load balancers and uptime checkers read
// status codes and a flat body. It says nothing about devices: counts are for admins.
import { Hono } from 'hono';
import type { ServerDeps } from '../deps';
import type { AppEnv } from '../http';
import type { AdminHealthResponse, HealthResponse } from '../../shared/server-api';
import type { StorageHealth, SyncStats } from '../storage/types';

export type HealthDeps = Pick<ServerDeps, 'storage' | 'version' | 'clock' | 'startedAt' | 'serverKey'>;

/** The full report, and whether it is healthy (200) or not (503). */
export async function healthReport(deps: HealthDeps): Promise<{ ok: boolean; body: AdminHealthResponse }> {
  const db = await probe(deps);
  const sync = db.ok ? await stats(deps) : null;
  const ok = db.ok && sync !== null;
  // Clamp: a wall clock stepped backwards must not produce a negative uptime.
  const uptimeSeconds = Math.max(0, Math.floor((deps.clock.now().getTime() - deps.startedAt) / 1000));
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

export function createHealthRouter(deps: HealthDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get('/healthz', async (c) => {
    const { ok, body } = await healthReport(deps);
    const open: HealthResponse = { status: body.status, version: body.version, uptimeSeconds: body.uptimeSeconds, serverKeyId: body.serverKeyId };
    return c.json(open, ok ? 200 : 503);
  });
  return router;
}

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
