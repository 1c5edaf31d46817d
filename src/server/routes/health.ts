// Liveness + storage probe. Deliberately not wrapped in the { ok, data } envelope: load
// balancers and uptime checkers read status codes and a flat body.
import { Hono } from 'hono';
import type { ServerDeps } from '../app';
import type { AppEnv } from '../http';
import type { HealthResponse } from '../../shared/server-api';
import type { StorageHealth } from '../storage/types';

export type HealthDeps = Pick<ServerDeps, 'storage' | 'version' | 'clock' | 'startedAt'>;

export function createHealthRouter(deps: HealthDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get('/healthz', (c) => {
    const db = probe(deps);
    // Clamp: a wall clock stepped backwards must not produce a negative uptime.
    const uptimeSeconds = Math.max(0, Math.floor((deps.clock.now().getTime() - deps.startedAt) / 1000));
    const body: HealthResponse = {
      status: db.ok ? 'ok' : 'error',
      version: deps.version,
      uptimeSeconds,
      db: { status: db.ok ? 'ok' : 'error', detail: db.detail, sizeBytes: db.sizeBytes },
    };
    return c.json(body, db.ok ? 200 : 503);
  });
  return router;
}

// A storage that throws should still yield a 503 health report, not a 500.
function probe(deps: HealthDeps): StorageHealth {
  try {
    return deps.storage.health();
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), sizeBytes: 0 };
  }
}
