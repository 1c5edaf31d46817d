// better-sqlite3 implementation of ServerStorage. Opening is ordered so that a file we must
// refuse (not SQLite, or written by a newer server) is never modified: only reads happen
// before the checks; WAL mode and migrations (which write) come after.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { StorageOpenError, type ServerStorage, type StorageHealth } from './types';

export interface SqliteStorageOptions {
  /** Injected for deterministic created_at in tests. */
  now?: () => Date;
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

export function openSqliteStorage(path: string, opts: SqliteStorageOptions = {}): ServerStorage {
  assertSqliteHeader(path);
  const db = new Database(path);
  try {
    // Concurrent readers/writers wait instead of failing with SQLITE_BUSY straight away.
    db.pragma(`busy_timeout = ${safeInt(opts.busyTimeoutMs ?? 5000)}`);
    assertNotFromFuture(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, opts.now ?? (() => new Date()));
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    health: () => health(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}

// SQLite treats an empty file as a new database, so only non-empty files need the magic header.
function assertSqliteHeader(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return; // does not exist yet: SQLite will create it
  }
  if (size === 0) return;
  const buf = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  if (buf.toString('latin1') !== SQLITE_MAGIC) {
    throw new StorageOpenError('DB_NOT_SQLITE', `Refusing to open ${path}: not an SQLite database`);
  }
}

function assertNotFromFuture(db: Database.Database, path: string): void {
  const found = readUserVersion(db);
  if (found > SCHEMA_VERSION) {
    throw new StorageOpenError(
      'DB_FROM_FUTURE',
      `Refusing to open ${path}: schema version ${found} is newer than this server supports (${SCHEMA_VERSION}). Upgrade the server.`,
    );
  }
}

function migrate(db: Database.Database, now: () => Date): void {
  // IMMEDIATE takes the write lock up front so two servers starting at once cannot both migrate;
  // the version is re-read inside the lock. All pending steps commit (or roll back) together.
  const run = db.transaction(() => {
    const from = readUserVersion(db);
    if (from >= SCHEMA_VERSION) return;
    const ctx = { now: now() };
    for (const step of MIGRATIONS.slice(from)) step(db, ctx);
    // PRAGMA cannot take bound parameters; the value is our own integer constant.
    db.pragma(`user_version = ${safeInt(SCHEMA_VERSION)}`);
  });
  run.immediate();
}

function readUserVersion(db: Database.Database): number {
  const v: unknown = db.pragma('user_version', { simple: true });
  if (typeof v !== 'number') throw new Error(`Unexpected user_version value: ${String(v)}`);
  return v;
}

function health(db: Database.Database): StorageHealth {
  try {
    // quick_check returns one row "ok", or one row per problem found.
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const detail = rows.map((r) => r.quick_check).join('; ') || 'no result';
    // Logical size (pages in use); excludes the WAL, which checkpoints fold back in.
    const pageCount = db.pragma('page_count', { simple: true });
    const pageSize = db.pragma('page_size', { simple: true });
    const sizeBytes = typeof pageCount === 'number' && typeof pageSize === 'number' ? pageCount * pageSize : 0;
    return { ok: detail === 'ok', detail, sizeBytes };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), sizeBytes: 0 };
  }
}

function safeInt(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Expected a non-negative integer, got ${n}`);
  return n;
}
