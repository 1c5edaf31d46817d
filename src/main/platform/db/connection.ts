import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseError } from './errors';
import { applyKey, dbFileKind, encryptInPlace, removeStaleCopy, type AtRestProgress } from './cipher';
import { MigrationError } from '../../../platform/migrations';
import { migrateSqlite } from '../../../platform/sqlite-migrations';
import { migrations, LATEST_SCHEMA_VERSION, type Migration } from './migrations/index';

export type Db = Database.Database;

export interface OpenOptions {
  /** Apply migrations up to this version (tests step through them one by one). */
  targetVersion?: number;
  readonly?: boolean;
  /**
   * The at-rest key (32 bytes): the file is SQLCipher-encrypted under it; a plaintext file is
   * encrypted in place first (cipher.ts). Without a key only a plaintext file opens.
   */
  key?: Buffer;
  /** Progress of an in-place encryption of a plaintext profile. */
  onProgress?: (p: AtRestProgress) => void;
}

/** Refuse a file we cannot open with what we were given, before SQLite touches it. */
function prepareFile(path: string, opts: OpenOptions): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  removeStaleCopy(path);
  const kind = dbFileKind(path);
  if (kind === 'encrypted' && !opts.key) {
    throw new DatabaseError(
      'DB_KEY_REQUIRED',
      `${path} is not a plain SQLite database: it is encrypted (the at-rest key is needed) or damaged; it was left untouched`,
      path,
    );
  }
  if (kind === 'plaintext' && opts.key && !opts.readonly) encryptInPlace(path, opts.key, opts.onProgress);
  if (!opts.readonly) makePrivate(path);
}

/**
 * The database files 0600, whatever the umask: SQLite gives the -wal and -shm files the mode of the
 * database file, so creating that one private first covers all three. (The data folder is made 0700
 * where it is known: app/deps.ts.)
 */
function makePrivate(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * Open (creating if absent) the device database: encrypted under `opts.key` when given, WAL, foreign
 * keys, busy timeout, migrations in one transaction. A file from a newer app, a corrupt file or a
 * wrong key raises DatabaseError and the file is left as it was.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const memory = path === ':memory:';
  if (!memory) prepareFile(path, opts);
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false });
  } catch (e) {
    throw new DatabaseError('DB_OPEN_FAILED', `cannot open ${path}: ${(e as Error).message}`, path);
  }
  try {
    if (opts.key && !memory) applyKey(db, opts.key);
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

const statementCache = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)` compiled once per connection and SQL text, for statements on a per-item or
 * per-batch path (compiling one costs tens of microseconds: a sync of 10,000 items spent ~0.2 s in
 * `prepare` alone, issue 20). Each call hands the statement back in its default mode (rows, not
 * plucked, raw or expanded), so a caller that chains `.pluck()` sets it again and one that does not
 * gets rows. Not for a statement a caller iterates while another caller may run the same SQL: a
 * statement runs one query at a time (better-sqlite3 refuses a busy one).
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let m = statementCache.get(db);
  if (!m) statementCache.set(db, (m = new Map()));
  const hit = m.get(sql);
  if (hit) return hit.reader ? hit.pluck(false).raw(false).expand(false) : hit;
  const s = db.prepare(sql);
  m.set(sql, s);
  return s;
}
