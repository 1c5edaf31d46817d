import Database from 'better-sqlite3';
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseError } from './errors';
import { MigrationError } from '../../../platform/migrations';
import { migrateSqlite } from '../../../platform/sqlite-migrations';
import { migrations, LATEST_SCHEMA_VERSION, type Migration } from './migrations/index';

export type Db = Database.Database;

const SQLITE_HEADER = 'SQLite format 3\u0000';

function assertSqliteFile(path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, 0);
    if (buf.toString('latin1') !== SQLITE_HEADER) {
      throw new DatabaseError('DB_CORRUPT', `${path} is not a SQLite database (bad header); it was left untouched`, path);
    }
  } finally {
    closeSync(fd);
  }
}

export interface OpenOptions {
  /** Apply migrations up to this version (tests step through them one by one). */
  targetVersion?: number;
  readonly?: boolean;
}

/**
 * Open (creating if absent) the device database: WAL, foreign keys, busy timeout, migrations in one
 * transaction. A file from a newer app or a corrupt file raises DatabaseError and is left as it was.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    assertSqliteFile(path);
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false });
  } catch (e) {
    throw new DatabaseError('DB_OPEN_FAILED', `cannot open ${path}: ${(e as Error).message}`, path);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_SCHEMA_VERSION) {
      throw new DatabaseError(
        'DB_FROM_FUTURE',
        `${path} has schema version ${version}, newer than this app supports (${LATEST_SCHEMA_VERSION}); update Maestro. The file was not changed.`,
        path,
      );
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) migrate(db, opts.targetVersion ?? LATEST_SCHEMA_VERSION, migrations);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof DatabaseError) throw e;
    const msg = (e as Error).message;
    if (/not a database|malformed|corrupt/i.test(msg)) {
      throw new DatabaseError('DB_CORRUPT', `${path} is damaged (${msg}); it was left untouched`, path);
    }
    throw new DatabaseError('DB_OPEN_FAILED', `cannot use ${path}: ${msg}`, path);
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Verify the checksums of the applied migrations (recording them for a database migrated before
 * they existed) and run the pending ones, all in one transaction; on any failure nothing is applied.
 */
export function migrate(db: Db, target: number, list: readonly Migration[] = migrations): void {
  try {
    migrateSqlite(db, list, { target, lock: 'exclusive' });
  } catch (e) {
    if (e instanceof MigrationError && e.code === 'FROM_FUTURE') throw new DatabaseError('DB_FROM_FUTURE', `${db.name}: ${e.message}`, db.name);
    throw new DatabaseError('DB_MIGRATION_FAILED', `migration failed: ${(e as Error).message}`, db.name);
  }
}
