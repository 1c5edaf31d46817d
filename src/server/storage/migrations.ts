// Numbered schema migrations. Append only: never edit a shipped migration, add a new one.
// migrations[i] upgrades the schema from version i to version i + 1.
import type BetterSqlite3 from 'better-sqlite3';

export interface MigrationContext {
  now: Date;
}

export type Migration = (db: BetterSqlite3.Database, ctx: MigrationContext) => void;

export const MIGRATIONS: readonly Migration[] = [
  // 1: bookkeeping table; created_at helps tell a fresh db from a restored backup.
  (db, ctx) => {
    db.exec('CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT) STRICT');
    db.prepare('INSERT INTO server_meta (key, value) VALUES (?, ?)').run('created_at', ctx.now.toISOString());
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
