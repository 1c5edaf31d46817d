// Builds the Hono app from injected dependencies so tests drive it with app.request() and
// no listening socket; main.ts is the only place that binds a port or reads the environment.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { ApiError } from '../shared/errors';
import { MAX_BATCH_BYTES } from '../shared/sync/schemas';
import { deviceAuth } from './auth/device-auth';
import { DEFAULT_RATE_LIMIT, MemoryRateLimiter } from './auth/rate-limit';
import { Lifecycle } from './lifecycle';
import { codeForStatus, errorResponse, type AppEnv } from './http';
import { createAdminRouter } from './routes/admin';
import { BUNDLES_PATH, createBundlesRouter } from './routes/bundles';
import { createContractsRouter } from './routes/contracts';
import { createEnrollRouter } from './routes/enroll';
import { createHealthRouter } from './routes/health';
import { createSyncRouter } from './routes/sync';
import { createTeamRouter } from './routes/team';
import { createAttachmentsRouter } from './routes/attachments';
import { ATTACHMENTS_PATH, CHUNK_BYTES, CHUNK_TAG_BYTES } from '../shared/sync/attachments';
import type { ServerDeps } from './deps';
import { createServerKeysRouter } from './routes/server-keys';
import { createDeviceKeyRouter } from './routes/device-key';
import { DEVICE_SIGNING_KEY_PATH, SERVER_KEYS_PATH } from '../shared/sync/server-keys';
import { accessLog } from './access-log';
import { createMetrics, methodLabel, routeLabel } from './metrics';
import { requestContext } from './request-context';
import { createMetricsRouter } from './routes/metrics';

export type { ServerDeps } from './deps';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const SYNC_BATCH_PATH = '/v1/sync/batch';
export const ENROLL_PATH = '/v1/enroll';
/** Up to 1000 wrapped keys (teamKeysPostSchema), each carrying its wrapper's certificate: more than the default limit. */
export const TEAM_KEYS_PATH = '/v1/team/keys';

export function createApp(deps: ServerDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const metrics = deps.metrics ?? createMetrics(deps.storage);
  // First: every later middleware, route and log line runs inside the request's ids (reqId,
  // traceparent); then the access log and request metrics, which see requests refused later too.
  app.use('*', requestContext(), accessLog(deps.logger, metrics));
  // Then the drain (lifecycle.ts): counts requests in flight; refuses new ones once shutting down.
  const lifecycle = deps.lifecycle ?? new Lifecycle();
  app.use('*', lifecycle.middleware());

  // Global, so oversized bodies are refused before routing and before authentication (a 413 stores
  // nothing, not even a nonce). Sync batches and tenant-key posts get their own, larger limit.
  // A body with a Content-Length is judged by the header alone, without touching c.req.raw.body:
  // under @hono/node-server that getter turns the socket into a web stream, which then copies every
  // byte of an attachment chunk that device-auth already reads straight from the socket. Bodies
  // without one (chunked) are counted as they stream, by Hono's bodyLimit.
  const limit = (maxSize: number): MiddlewareHandler<AppEnv> => {
    const tooLarge = (c: Context<AppEnv>) =>
      errorResponse(c, new ApiError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxSize} bytes`, { reason: 'body_size', maxBytes: maxSize }));
    const streamed = bodyLimit({ maxSize, onError: tooLarge });
    return (c, next) => {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
      const declared = c.req.header('content-length');
      if (declared !== undefined && !c.req.header('transfer-encoding') && /^\d+$/.test(declared)) {
        return Number(declared) > maxSize ? Promise.resolve(tooLarge(c)) : next();
      }
      return streamed(c, next);
    };
  };
  const defaultLimit = limit(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const syncLimit = limit(deps.maxSyncBodyBytes ?? MAX_BATCH_BYTES);
  // A sealed attachment chunk (decision 0020): one chunk and its tag, nothing more.
  const chunkLimit = limit(CHUNK_BYTES + CHUNK_TAG_BYTES);
  app.use('*', (c, next) => {
    if (c.req.path === SYNC_BATCH_PATH || c.req.path === TEAM_KEYS_PATH) return syncLimit(c, next);
    if (c.req.method === 'PUT' && c.req.path.startsWith(`${ATTACHMENTS_PATH}/`)) return chunkLimit(c, next);
    return defaultLimit(c, next);
  });

  app.route('/', createHealthRouter({ ...deps, lifecycle }));
  app.route('/', createMetricsRouter({ metrics, ...(deps.metricsToken ? { metricsToken: deps.metricsToken } : {}) }));

  // PostgreSQL: buckets shared by every instance (rate_buckets); SQLite: in memory.
  const rate = deps.rateLimit ?? DEFAULT_RATE_LIMIT;
  const nowMs = (): number => deps.clock.now().getTime();
  const limiter = deps.storage.rateLimiter?.(rate, nowMs) ?? new MemoryRateLimiter(rate, nowMs);
  app.use('/v1/*', deviceAuth({ storage: deps.storage, clock: deps.clock, limiter, exempt: [ENROLL_PATH] }));
  app.route(ENROLL_PATH, createEnrollRouter(deps));
  app.route('/v1/sync', createSyncRouter({ ...deps, metrics, lifecycle }));
  app.route('/v1/team', createTeamRouter(deps));
  app.route('/v1/contracts', createContractsRouter(deps));
  app.route('/v1/admin', createAdminRouter(deps));
  app.route(BUNDLES_PATH, createBundlesRouter(deps));
  app.route(ATTACHMENTS_PATH, createAttachmentsRouter(deps));
  app.route(SERVER_KEYS_PATH, createServerKeysRouter(deps));
  app.route(DEVICE_SIGNING_KEY_PATH, createDeviceKeyRouter(deps));

  app.notFound((c) => errorResponse(c, new ApiError('NOT_FOUND', 'Route not found', { reason: 'route' })));

  app.onError((err, c) => {
    if (err instanceof ApiError && err.code !== 'INTERNAL') return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      return errorResponse(c, new ApiError(codeForStatus(err.status), err.message || 'Request rejected'));
    }
    // Details stay in the log; clients get a generic message so internals never leak.
    deps.logger.error('unhandled error', {
      method: methodLabel(c.req.method),
      route: routeLabel(c),
      name: err.name,
      message: err.message,
      stack: err.stack,
    });
    return errorResponse(c, new ApiError('INTERNAL', 'Internal error'));
  });

  return app;
}
