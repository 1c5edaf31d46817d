// The server's shutdown state, shared by the app (readiness, the drain middleware, long polls) and
// serve.ts (signals). Three phases: serving; draining (after SIGTERM: /readyz answers 503 so the
// load balancer takes this instance out, but requests still routed here are served); stopping
// (the listener is closed, open long polls end at once with a normal page, anything new on a
// kept-alive connection is refused with 503 + Retry-After, and shutdown waits for what is in flight).
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../shared/errors';
import { errorResponse, type AppEnv } from './http';

/** Probes and scrapes answer in every phase (a load balancer must see the 503 of /readyz). */
const ALWAYS_OPEN = new Set(['/livez', '/readyz', '/healthz', '/metrics']);

export class Lifecycle {
  private phase: 'serving' | 'draining' | 'stopping' = 'serving';
  private readonly stopped = new AbortController();
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  /** True from the drain on: /readyz answers 503. */
  get draining(): boolean {
    return this.phase !== 'serving';
  }

  /** Aborted when the server stops accepting: long polls answer with what they have. */
  get drain(): AbortSignal {
    return this.stopped.signal;
  }

  /** Requests being answered now (sync batches among them). */
  get inFlight(): number {
    return this.active;
  }

  /** Step 1 (SIGTERM): not ready any more, still serving. */
  beginDrain(): void {
    if (this.phase === 'serving') this.phase = 'draining';
  }

  /** Step 2 (after the drain delay): refuse new work, end long polls. */
  stop(): void {
    this.phase = 'stopping';
    this.stopped.abort();
  }

  /** Resolves true once nothing is in flight, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Counts requests in flight; once stopping, refuses new ones (other than probes) with 503. */
  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      if (ALWAYS_OPEN.has(c.req.path)) return next();
      if (this.phase === 'stopping') {
        c.header('Retry-After', '1');
        c.header('Connection', 'close');
        return errorResponse(c, new ApiError('UNAVAILABLE', 'This server instance is shutting down; retry', { reason: 'draining' }));
      }
      this.active += 1;
      try {
        await next();
      } finally {
        this.active -= 1;
        if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    };
  }
}
