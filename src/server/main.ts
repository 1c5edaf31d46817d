// Process entry for `npm run server`: reads env, opens storage, builds the app and hands it to
// serve.ts (the port, signals and the graceful drain); with a subcommand it runs an operator command instead (see cli.ts).
// Everything testable lives in app.ts / cli.ts / config.ts / storage.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createApp } from './app';
import { parseCommand, runCommand, USAGE, UsageError } from './cli';
import { ConfigError, loadConfig, type ServerConfig } from './config';
import { ContractsDirError, seedContracts } from './contracts';
import { loadOrCreateServerKey, ServerKeyError, type ServerKey } from './crypto/server-key';
import { keyDirOf, openServerKeyRing, ringKey } from './crypto/server-key-ring';
import { Lifecycle } from './lifecycle';
import { createJsonLogger, type Logger } from './logger';
import { createMetrics, type ServerMetrics } from './metrics';
import { listenUntilStopped, shutdownTiming } from './serve';
import { openStorage } from './storage/open';
import { FsBlobStore } from './blobs/fs-store';
import type { BlobStore } from './blobs/types';
import { StorageOpenError, type ServerStorage } from './storage/types';

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

async function openConfigured(config: ServerConfig, logger: Logger, onWake?: (latencyMs: number) => void, listen = true): Promise<ServerStorage> {
  return openStorage(config, {
    ...(onWake ? { onWake } : {}),
    listen,
    onPoolError: (err) => logger.error('database pool error', { message: err.message }),
    // The LISTEN connection reconnects by itself; meanwhile /readyz answers 503.
    onListenError: (err) => logger.warn('database LISTEN connection lost', { code: 'LISTEN_LOST', message: err.message }),
    onCheckpointError: (message) => logger.warn('background checkpoints stopped; SQLite checkpoints on commit', { code: 'CHECKPOINTER_FAILED', message }),
  });
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
  // An operator command serves no long polls: no LISTEN connection.
  const storage = await openConfigured(config, logger, undefined, false);
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
  const timing = shutdownTiming(process.env);
  const lifecycle = new Lifecycle();
  const clock = { now: () => new Date() };
  // Wakes from other instances (LISTEN/NOTIFY) are measured from the storage's first moment on.
  const measured: { metrics?: ServerMetrics } = {};
  const storage = await openConfigured(config, logger, (ms) => measured.metrics?.notifyWake(ms / 1000));
  const metrics = (measured.metrics = createMetrics(storage, { processMetrics: true }));
  const {
    key: primaryKey,
    path: keyPath,
    created,
    looseMode,
  } = loadOrCreateServerKey({
    ...(config.keyFile ? { keyFile: config.keyFile } : {}),
    dbDir: dirname(config.dbPath),
  });
  // The chain in server_keys (seeded with this key on the first start) and the keys this instance holds.
  const ring = await openServerKeyRing({ storage, primary: primaryKey, keyDir: keyDirOf(process.env, dirname(config.dbPath)), now: clock.now() });
  const serverKey = ringKey(ring, clock);
  // A key the CLI introduced (or a key file added to the directory) is picked up within a minute.
  setInterval(() => void ring.refresh().catch((e: Error) => logger.warn('server key refresh failed', { message: e.message })), 60_000).unref();
  logger.info('server key', { keyId: primaryKey.keyId, path: keyPath, created, keys: ring.windows().length });
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
    lifecycle,
    metrics,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
  });

  listenUntilStopped({
    fetch: app.fetch,
    host: config.host,
    port: config.port,
    lifecycle,
    logger,
    timing,
    close: () => Promise.allSettled([storage.close(), serverKey.close()]),
  });
}

const args = process.argv.slice(2);
const run =
  args.length === 0 ? serveForever() : args[0] === '--help' || args[0] === 'help' ? Promise.resolve(void process.stdout.write(`${USAGE}\n`)) : command(args);
run.catch(fail);
