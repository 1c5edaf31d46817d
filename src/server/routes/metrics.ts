// GET /metrics: Prometheus text format, outside /v1 (no device signature) and never open to the
// world. With MAESTRO_SERVER_METRICS_TOKEN set, a scraper sends `Authorization: Bearer <token>`
// from anywhere; without it only a loopback peer that no proxy forwarded may scrape (the load
// balancer runs on the same host, so forwarded requests are refused by their X-Forwarded-For /
// Forwarded header as well as by the HAProxy rule). Decision 0035.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { ApiError } from '../../shared/errors';
import type { AppEnv } from '../http';
import type { ServerMetrics } from '../metrics';

export const METRICS_PATH = '/metrics';

export interface MetricsRouteDeps {
  metrics: ServerMetrics;
  /** MAESTRO_SERVER_METRICS_TOKEN; absent: loopback only. */
  metricsToken?: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The TCP peer's address under @hono/node-server; undefined in app.request() (no socket). */
function peerAddress(c: Context<AppEnv>): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

function authorize(c: Context<AppEnv>, token: string | undefined): void {
  if (token !== undefined) {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(c.req.header('authorization') ?? '');
    // Compared as digests: constant time whatever the lengths.
    if (!m || !timingSafeEqual(digest(m[1]!), digest(token))) {
      throw new ApiError('UNAUTHORIZED', 'Metrics need the bearer token the server was started with', { reason: 'metrics_token' });
    }
    return;
  }
  const peer = peerAddress(c);
  const forwarded = c.req.header('x-forwarded-for') !== undefined || c.req.header('forwarded') !== undefined;
  if (peer === undefined || !LOOPBACK.test(peer) || forwarded) {
    throw new ApiError('FORBIDDEN', 'Metrics are served to loopback only unless MAESTRO_SERVER_METRICS_TOKEN is set', { reason: 'metrics_loopback' });
  }
}

export function createMetricsRouter(deps: MetricsRouteDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  router.get(METRICS_PATH, async (c) => {
    authorize(c, deps.metricsToken);
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' });
  });
  return router;
}
