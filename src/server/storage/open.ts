// Picks the storage backend: PostgreSQL when a DATABASE_URL is configured, SQLite otherwise.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openPostgresStorage, type PostgresStorageOptions } from './postgres';
import { openSqliteStorage, type SqliteStorageOptions } from './sqlite';
import type { ServerStorage } from './types';

export interface StorageConfig {
  dbPath: string;
  databaseUrl?: string;
}

/** Callbacks of the PostgreSQL storage (pool errors, LISTEN wakes and errors) and whether it listens; SQLite's background checkpoint failure. */
export type StorageHooks = Pick<PostgresStorageOptions, 'onPoolError' | 'onWake' | 'onListenError' | 'listen'> &
  Pick<SqliteStorageOptions, 'onCheckpointError'>;

export async function openStorage(cfg: StorageConfig, hooks: StorageHooks = {}): Promise<ServerStorage> {
  if (cfg.databaseUrl) return openPostgresStorage({ connectionString: cfg.databaseUrl, ...hooks });
  mkdirSync(dirname(cfg.dbPath), { recursive: true });
  return openSqliteStorage(cfg.dbPath, hooks.onCheckpointError ? { onCheckpointError: hooks.onCheckpointError } : {});
}
