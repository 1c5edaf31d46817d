// Process entry for `npm run server`: reads env, opens storage, binds the port, and owns
// signal handling. Everything testable lives in app.ts / config.ts / storage.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { ConfigError, formatOrigin, loadConfig, type ServerConfig } from './config';
import { createJsonLogger } from './logger';
import { openSqliteStorage } from './storage/sqlite';
import { StorageOpenError, type ServerStorage } from './storage/types';

const SHUTDOWN_GRACE_MS = 5000;

function readVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  if (typeof version !== 'string' || version === '') throw new Error('package.json has no version');
  return version;
}

// Expected startup failures get a one-line message, not a stack trace.
function loadConfigOrExit(): ServerConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`maestro-server: ${err.message}\n`);
    return process.exit(2);
  }
}

function openStorageOrExit(dbPath: string): ServerStorage {
  try {
    return openSqliteStorage(dbPath);
  } catch (err) {
    if (!(err instanceof StorageOpenError)) throw err;
    process.stderr.write(`maestro-server: ${err.message} [${err.code}]\n`);
    return process.exit(1);
  }
}

function main(argv: readonly string[]): void {
  const command = argv[2];
  if (command !== undefined) {
    process.stderr.write(`maestro-server: unknown command ${command} (enrollment arrives with the sync issue)\n`);
    process.exit(2);
  }

  const logger = createJsonLogger('sync-server');
  const config = loadConfigOrExit();
  mkdirSync(dirname(config.dbPath), { recursive: true });
  const storage = openStorageOrExit(config.dbPath);

  const clock = { now: () => new Date() };
  const app = createApp({ storage, version: readVersion(), clock, logger, startedAt: clock.now().getTime() });

  const { host } = config;
  const server = serve({ fetch: app.fetch, hostname: host, port: config.port }, (info) => {
    // Exactly one stdout line: scripts and tests wait for it (and parse the port when 0 was asked).
    process.stdout.write(`Maestro sync server listening on ${formatOrigin(host, info.port)}\n`);
  });

  server.on('error', (err: NodeJS.ErrnoException) => {
    logger.error('server error', { code: err.code, message: err.message });
    storage.close();
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Keep-alive sockets would hold close() open indefinitely; bound the wait.
    const force = setTimeout(() => {
      storage.close();
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      storage.close();
      process.exit(0);
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main(process.argv);
