// Applies migrations (migrations.ts) to a better-sqlite3 database: the device's and the server's.
// The schema version is PRAGMA user_version (as before checksums existed, so older databases are
// recognised); checksums live in schema_migrations. Everything pending commits or rolls back
// together, in one write transaction taken up front, so two processes opening at once cannot both
// migrate (the plan is re-made inside the lock).
import type { Database } from 'better-sqlite3';
import { migrationChecksum, planMigrations, type AppliedMigration, type Migration, type MigrationPlan } from './migrations';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

export function sqliteUserVersion(db: Database): number {
  const v: unknown = db.pragma('user_version', { simple: true });
  if (typeof v !== 'number') throw new Error(`Unexpected user_version value: ${String(v)}`);
  return v;
}

function recorded(db: Database): AppliedMigration[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  return exists ? (db.prepare('SELECT version, checksum FROM schema_migrations').all() as AppliedMigration[]) : [];
}

function planFor(db: Database, list: readonly Migration[], target: number): MigrationPlan {
  return planMigrations(list, sqliteUserVersion(db), recorded(db), target);
}

export interface SqliteMigrateOptions {
  /** Apply up to this version (tests step through them); default all. */
  target?: number;
  /** The write lock: 'immediate' (others may still read) or 'exclusive'. */
  lock: 'immediate' | 'exclusive';
  now?: () => Date;
}

/** Verifies checksums and applies what is pending. Throws MigrationError, or the failing statement's error (nothing applied). */
export function migrateSqlite(db: Database, list: readonly Migration[], opts: SqliteMigrateOptions): void {
  const target = opts.target ?? list.length;
  const now = opts.now ?? (() => new Date());
  const first = planFor(db, list, target);
  if (first.backfill.length === 0 && first.pending.length === 0) return;
  const run = db.transaction(() => {
    const { backfill, pending } = planFor(db, list, target);
    if (backfill.length === 0 && pending.length === 0) return;
    db.exec(CREATE_TABLE);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
    const at = now().toISOString();
    for (const m of backfill) record.run(m.version, m.name, migrationChecksum(m), at);
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, migrationChecksum(m), at);
      // PRAGMA takes no bound parameters; the version is our own integer.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    }
  });
  run[opts.lock]();
}
