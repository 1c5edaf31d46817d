// Environment parsing kept apart from main.ts so it can be unit-tested without side effects.
import { resolve } from 'node:path';

export interface ServerConfig {
  dbPath: string;
  host: string;
  port: number;
}

export const DEFAULT_DB_PATH = './.data/server/maestro-server.db';
export const DEFAULT_HOST = '127.0.0.1'; // loopback by default: exposing the server is opt-in
export const DEFAULT_PORT = 8787;

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
  return { dbPath, host, port };
}

/** Host as it appears in a URL (IPv6 literals need brackets). */
export function formatOrigin(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}
