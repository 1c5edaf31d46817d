// The access log and the request metrics, written once per request after it is answered.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './http';
import type { Logger } from './logger';
import { methodLabel, routeLabel, type ServerMetrics } from './metrics';

/**
 * Second middleware, so it also times and records requests rejected by later middleware: one log
 * line and the request metrics. It names the route pattern, never the raw path or query string
 * (they may carry ids and tokens), and the device only by its pseudonymous id.
 */
export function accessLog(logger: Logger, metrics: ServerMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const seconds = (performance.now() - start) / 1000;
    const status = c.res.status;
    const code = c.get('errorCode');
    const route = routeLabel(c);
    metrics.request(route, c.req.method, status, seconds);
    const device = c.get('device') as AppEnv['Variables']['device'] | undefined;
    const fields = {
      method: methodLabel(c.req.method),
      route,
      status,
      ms: Math.round(seconds * 10_000) / 10,
      ...(code ? { code } : {}),
      ...(device ? { deviceId: device.id } : {}),
    };
    if (status >= 500) logger.error('request', fields);
    else if (status >= 400) logger.warn('request', fields);
    else logger.info('request', fields);
  };
}
