// Environment parsing kept apart from main.ts so it can be unit-tested without side effects.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './auth/rate-limit';

export interface ServerConfig {
  dbPath: string;
  host: string;
  port: number;
  /** PostgreSQL connection string; when set it replaces SQLite (dbPath then only locates the key). */
  databaseUrl?: string;
  /** PEM PKCS#8 Ed25519 key; default: server-ed25519.pem next to dbPath, created on first start. */
  keyFile?: string;
  contractsDir: string;
  /** Sealed bundles served under /v1/bundles (MAESTRO_SERVER_BUNDLES_DIR; default: bundles/ next to dbPath). */
  bundlesDir: string;
  rateLimit: RateLimitOptions;
  /** Sealed attachment chunks on the filesystem (MAESTRO_SERVER_ATTACHMENTS_DIR; default: attachments/ next to dbPath). */
  attachmentsDir: string;
  /** Per-tenant attachment quota, bytes (MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES; default 20 GiB). */
  attachmentQuotaBytes: number;
  /** Largest attachment taken, bytes (MAESTRO_SERVER_MAX_ATTACHMENT_BYTES; default and cap 256 MiB). */
  maxAttachmentBytes: number;
  /** Bearer token for GET /metrics (MAESTRO_SERVER_METRICS_TOKEN); absent: metrics are served to loopback only. */
  metricsToken?: string;
}

export const DEFAULT_DB_PATH = './.data/server/maestro-server.db';
export const DEFAULT_HOST = '127.0.0.1'; // loopback by default: exposing the server is opt-in
export const DEFAULT_PORT = 8787;
export const DEFAULT_CONTRACTS_DIR = fileURLToPath(new URL('../../resources/contracts', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): ServerConfig {
  const dbPath = resolve(cwd, nonEmpty(env.MAESTRO_SERVER_DB) ?? DEFAULT_DB_PATH);
  const host = nonEmpty(env.MAESTRO_SERVER_HOST) ?? DEFAULT_HOST;
  const rawPort = nonEmpty(env.MAESTRO_SERVER_PORT);
  const port = rawPort === undefined ? DEFAULT_PORT : Number(rawPort);
  // Port 0 is allowed: the OS picks a free port (used by tests).
  if (!/^\d+$/.test(rawPort ?? '0') || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`MAESTRO_SERVER_PORT must be an integer 0-65535, got "${rawPort ?? ''}"`);
  }
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const keyFile = nonEmpty(env.MAESTRO_SERVER_KEY_FILE);
  const contractsDir = resolve(cwd, nonEmpty(env.MAESTRO_SERVER_CONTRACTS_DIR) ?? DEFAULT_CONTRACTS_DIR);
  const bundlesDir = resolve(cwd, nonEmpty(env.MAESTRO_SERVER_BUNDLES_DIR) ?? join(dirname(dbPath), 'bundles'));
  const rateLimit = {
    perSecond: positive(env, 'MAESTRO_SERVER_RATE_PER_SEC', DEFAULT_RATE_LIMIT.perSecond),
    burst: positive(env, 'MAESTRO_SERVER_RATE_BURST', DEFAULT_RATE_LIMIT.burst),
  };
  const attachmentsDir = resolve(cwd, nonEmpty(env.MAESTRO_SERVER_ATTACHMENTS_DIR) ?? join(dirname(dbPath), 'attachments'));
  const attachmentQuotaBytes = positive(env, 'MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES', 20 * 1024 ** 3);
  const maxAttachmentBytes = Math.min(positive(env, 'MAESTRO_SERVER_MAX_ATTACHMENT_BYTES', 256 * 1024 ** 2), 256 * 1024 ** 2);
  const metricsToken = nonEmpty(env.MAESTRO_SERVER_METRICS_TOKEN);
  // Sent as a bearer token: visible ASCII, and long enough not to be guessed.
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,512}$/.test(metricsToken)) {
    throw new ConfigError('MAESTRO_SERVER_METRICS_TOKEN must be 16 to 512 visible ASCII characters');
  }
  return {
    dbPath,
    attachmentsDir,
    attachmentQuotaBytes,
    maxAttachmentBytes,
    host,
    port,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(keyFile ? { keyFile: resolve(cwd, keyFile) } : {}),
    ...(metricsToken ? { metricsToken } : {}),
    contractsDir,
    bundlesDir,
    rateLimit,
  };
}

/** Host as it appears in a URL (IPv6 literals need brackets). */
export function formatOrigin(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0)) throw new ConfigError(`${name} must be a positive number, got "${raw}"`);
  return n;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}
