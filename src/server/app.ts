// Builds the Hono app from injected dependencies so tests drive it with app.request() and
// no listening socket; main.ts is the only place that binds a port or reads the environment.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { ApiError } from '../shared/errors';
import { codeForStatus, errorResponse, type AppEnv } from './http';
import type { Logger } from './logger';
import { createHealthRouter } from './routes/health';
import type { ServerStorage } from './storage/types';

export interface ServerDeps {
  storage: ServerStorage;
  version: string;
  clock: { now(): Date };
  logger: Logger;
  /** Epoch milliseconds on the same clock as `clock.now()`. */
  startedAt: number;
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: ServerDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  // Outermost so it also times and records requests rejected by later middleware.
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    const code = c.get('errorCode');
    // c.req.path excludes the query string, which may later carry tokens.
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      ...(code ? { code } : {}),
    };
    if (status >= 500) deps.logger.error('request', fields);
    else if (status >= 400) deps.logger.warn('request', fields);
    else deps.logger.info('request', fields);
  });

  // Global, so oversized bodies are refused before routing — even for routes that don't exist.
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) =>
        errorResponse(c, new ApiError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`)),
    }),
  );

  app.route('/', createHealthRouter(deps));

  app.notFound((c) => errorResponse(c, new ApiError('NOT_FOUND', 'Route not found')));

  app.onError((err, c) => {
    if (err instanceof ApiError && err.code !== 'INTERNAL') return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      return errorResponse(c, new ApiError(codeForStatus(err.status), err.message || 'Request rejected'));
    }
    // Details stay in the log; clients get a generic message so internals never leak.
    deps.logger.error('unhandled error', {
      method: c.req.method,
      path: c.req.path,
      name: err.name,
      message: err.message,
      stack: err.stack,
    });
    return errorResponse(c, new ApiError('INTERNAL', 'Internal error'));
  });

  return app;
}
