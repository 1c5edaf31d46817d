// Picks the storage backend: PostgreSQL when a DATABASE_URL is configured, SQLite otherwise.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openPostgresStorage } from './postgres';
import { openSqliteStorage } from './sqlite';
import type { ServerStorage } from './types';

export interface StorageConfig {
  dbPath: string;
  databaseUrl?: string;
}

export async function openStorage(cfg: StorageConfig, onPoolError?: (err: Error) => void): Promise<ServerStorage> {
  if (cfg.databaseUrl) return openPostgresStorage({ connectionString: cfg.databaseUrl, ...(onPoolError ? { onPoolError } : {}) });
  mkdirSync(dirname(cfg.dbPath), { recursive: true });
  return openSqliteStorage(cfg.dbPath);
}
