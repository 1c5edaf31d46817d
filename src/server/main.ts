// Process entry for `npm run server`: reads env, opens storage, binds the port, and owns
// signal handling; with a subcommand it runs an operator command instead (see cli.ts).
// Everything testable lives in app.ts / cli.ts / config.ts / storage.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { parseCommand, runCommand, USAGE, UsageError } from './cli';
import { ConfigError, formatOrigin, loadConfig, type ServerConfig } from './config';
import { ContractsDirError, seedContracts } from './contracts';
import { loadOrCreateServerKey, ServerKeyError, type ServerKey } from './crypto/server-key';
import { createJsonLogger, type Logger } from './logger';
import { openStorage } from './storage/open';
import { FsBlobStore } from './blobs/fs-store';
import type { BlobStore } from './blobs/types';
import { StorageOpenError, type ServerStorage } from './storage/types';

const SHUTDOWN_GRACE_MS = 5000;

function readVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  if (typeof version !== 'string' || version === '') throw new Error('package.json has no version');
  return version;
}

// Expected startup failures get a one-line message (exit 1, or 2 for bad usage), not a stack trace.
function fail(err: unknown): never {
  if (err instanceof UsageError) {
    process.stderr.write(`maestro-server: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`maestro-server: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof StorageOpenError) {
    process.stderr.write(`maestro-server: ${err.message} [${err.code}]\n`);
    process.exit(1);
  }
  if (err instanceof ServerKeyError || err instanceof ContractsDirError) {
    process.stderr.write(`maestro-server: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

async function openConfigured(config: ServerConfig, logger: Logger): Promise<ServerStorage> {
  return openStorage(config, (err) => logger.error('database pool error', { message: err.message }));
}

/** Attachment chunks: in PostgreSQL beside the rest when DATABASE_URL is set, else on the filesystem. */
async function openBlobs(config: ServerConfig, storage: ServerStorage): Promise<BlobStore> {
  const pg = storage.blobStore?.();
  if (pg) return pg;
  const fs = new FsBlobStore(config.attachmentsDir);
  await fs.sweep();
  return fs;
}

async function command(args: readonly string[]): Promise<void> {
  const cmd = parseCommand(args);
  const logger = createJsonLogger('sync-server-cli');
  const config = loadConfig(process.env);
  const storage = await openConfigured(config, logger);
  const loaded: { key?: ServerKey } = {};
  // The key `serve` signs with (created next to the database if the server never ran).
  const serverKey = (): ServerKey =>
    (loaded.key ??= loadOrCreateServerKey({ ...(config.keyFile ? { keyFile: config.keyFile } : {}), dbDir: dirname(config.dbPath) }).key);
  try {
    const { out, code } = await runCommand(cmd, storage, new Date(), serverKey);
    process.stdout.write(out.map((l) => `${l}\n`).join(''));
    process.exitCode = code;
  } finally {
    await Promise.allSettled([storage.close(), loaded.key?.close()]);
  }
}

async function serveForever(): Promise<void> {
  const logger = createJsonLogger('sync-server');
  const config = loadConfig(process.env);
  const clock = { now: () => new Date() };
  const storage = await openConfigured(config, logger);
  const {
    key: serverKey,
    path: keyPath,
    created,
    looseMode,
  } = loadOrCreateServerKey({
    ...(config.keyFile ? { keyFile: config.keyFile } : {}),
    dbDir: dirname(config.dbPath),
  });
  logger.info('server key', { keyId: serverKey.keyId, path: keyPath, created });
  if (looseMode) logger.warn('server key file is readable by group or others; chmod 600 it', { path: keyPath });
  const contracts = await seedContracts(storage, config.contractsDir, clock.now());
  logger.info('contracts', { dir: config.contractsDir, current: contracts.map(), backend: storage.backend });
  logger.info('bundles', { dir: config.bundlesDir });

  const app = createApp({
    storage,
    version: readVersion(),
    clock,
    logger,
    startedAt: clock.now().getTime(),
    serverKey,
    contracts,
    rateLimit: config.rateLimit,
    bundlesDir: config.bundlesDir,
    blobs: await openBlobs(config, storage),
    attachmentQuotaBytes: config.attachmentQuotaBytes,
    maxAttachmentBytes: config.maxAttachmentBytes,
  });

  const { host } = config;
  const server = serve({ fetch: app.fetch, hostname: host, port: config.port }, (info) => {
    // Exactly one stdout line: scripts and tests wait for it (and parse the port when 0 was asked).
    process.stdout.write(`Maestro sync server listening on ${formatOrigin(host, info.port)}\n`);
  });

  const closeAndExit = (code: number): void => {
    void Promise.allSettled([storage.close(), serverKey.close()]).finally(() => process.exit(code));
  };

  server.on('error', (err: NodeJS.ErrnoException) => {
    logger.error('server error', { code: err.code, message: err.message });
    closeAndExit(1);
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Keep-alive sockets would hold close() open indefinitely; bound the wait.
    const force = setTimeout(() => closeAndExit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => closeAndExit(0));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

const args = process.argv.slice(2);
const run =
  args.length === 0 ? serveForever() : args[0] === '--help' || args[0] === 'help' ? Promise.resolve(void process.stdout.write(`${USAGE}\n`)) : command(args);
run.catch(fail);
