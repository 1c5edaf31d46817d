import type { Database } from 'better-sqlite3';
import { m001AuditLog } from './001-audit-log';
import { m002Profile } from './002-profile';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/** Ordered, append-only. Never edit a shipped migration: add the next number. */
export const migrations: Migration[] = [m001AuditLog, m002Profile];
export const LATEST_SCHEMA_VERSION = migrations.length;
