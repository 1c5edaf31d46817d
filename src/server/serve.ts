// Binds the port and owns the graceful shutdown (main.ts builds the app and calls this). On SIGTERM
// or SIGINT: /readyz turns 503 at once (the load balancer stops routing here) while requests still
// arriving are served; after the drain delay the listener closes, open long polls answer with their
// page (200, Retry-After: 1), new requests on kept-alive connections get 503 + Retry-After, and the
// process waits for in-flight requests (a sync batch is finished, never cut), closes the storage
// (and its LISTEN connection) and the signer, and exits 0. Past the grace it exits 1.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { ConfigError, formatOrigin } from './config';
import type { Lifecycle } from './lifecycle';
import type { Logger } from './logger';

export interface ShutdownTiming {
  /** MAESTRO_SERVER_DRAIN_DELAY_MS: not ready but still serving, so the balancer's checks see the 503 first. */
  drainDelayMs: number;
  /** MAESTRO_SERVER_SHUTDOWN_GRACE_MS: the most the rest of the shutdown may take. */
  graceMs: number;
}

export const DEFAULT_DRAIN_DELAY_MS = 2000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

function millis(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d{1,7}$/.test(raw)) throw new ConfigError(`${name} must be a whole number of milliseconds (0-9999999), got "${raw}"`);
  return Number(raw);
}

export function shutdownTiming(env: NodeJS.ProcessEnv): ShutdownTiming {
  return {
    drainDelayMs: millis(env, 'MAESTRO_SERVER_DRAIN_DELAY_MS', DEFAULT_DRAIN_DELAY_MS),
    graceMs: millis(env, 'MAESTRO_SERVER_SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS),
  };
}

export interface ServeOptions {
  fetch: (req: Request, env?: unknown) => Response | Promise<Response>;
  host: string;
  port: number;
  lifecycle: Lifecycle;
  logger: Logger;
  timing: ShutdownTiming;
  /** Closes the storage, the signer and anything else the process holds. */
  close: () => Promise<unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Listens until a signal, then drains and exits. */
export function listenUntilStopped(o: ServeOptions): void {
  const server = serve({ fetch: o.fetch, hostname: o.host, port: o.port }, (info) => {
    // Exactly one stdout line: scripts and tests wait for it (and parse the port when 0 was asked).
    process.stdout.write(`Maestro sync server listening on ${formatOrigin(o.host, info.port)}\n`);
  }) as Server;

  let exiting = false;
  const closeAndExit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    void o
      .close()
      .catch(() => {})
      .finally(() => process.exit(code));
  };

  server.on('error', (err: NodeJS.ErrnoException) => {
    o.logger.error('server error', { code: err.code, message: err.message });
    closeAndExit(1);
  });

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const { drainDelayMs, graceMs } = o.timing;
    o.logger.info('shutting down', { signal, drainDelayMs, graceMs });
    o.lifecycle.beginDrain();
    const force = setTimeout(() => {
      o.logger.error('shutdown grace exceeded; exiting with requests still open', { inFlight: o.lifecycle.inFlight });
      closeAndExit(1);
    }, drainDelayMs + graceMs);
    force.unref();
    await sleep(drainDelayMs);
    o.lifecycle.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const idle = await o.lifecycle.idle(graceMs);
    // Answers still being written finish; kept-alive sockets that fall idle are closed as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    await Promise.race([closed, sleep(1000)]);
    clearInterval(sweep);
    server.closeAllConnections();
    o.logger.info('drained', { idle });
    closeAndExit(idle ? 0 : 1);
  };
  process.on('SIGINT', (s) => void shutdown(s));
  process.on('SIGTERM', (s) => void shutdown(s));
}
