// better-sqlite3 implementation of ServerStorage. Opening is ordered so that a file we must
// refuse (not SQLite, or written by a newer server) is never modified: only reads happen
// before the checks; WAL mode and migrations (which write) come after.
// Statements are prepared once per connection; writes that belong together share one
// transaction. better-sqlite3 is synchronous, so a transaction never interleaves with another
// request even though the interface is async.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MigrationError } from '../../platform/migrations';
import { startBackgroundCheckpoints, type Checkpointer } from '../../platform/sqlite-checkpointer';
import { migrateSqlite, sqliteUserVersion } from '../../platform/sqlite-migrations';
import { MIGRATION_NOW_FUNCTION, MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { StorageOpenError, type ServerStorage } from './types';
import { createSqliteContext } from './sqlite-context';
import { sqliteDevicesMethods } from './sqlite-devices';
import { sqliteTeamMethods } from './sqlite-team';
import { sqliteSyncMethods } from './sqlite-sync';
import { sqliteGovernanceMethods } from './sqlite-governance';
import { sqliteKeysMethods } from './sqlite-keys';
import { sqliteMetricsMethods } from './sqlite-metrics';
import { OPTIMIZE } from './sqlite-helpers';

export interface SqliteStorageOptions {
  /** Injected for deterministic created_at in tests. */
  now?: () => Date;
  busyTimeoutMs?: number;
  /** The background checkpoint worker failed (SQLite's own checkpoint on commit goes on). */
  onCheckpointError?: (message: string) => void;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

export function openSqliteStorage(path: string, opts: SqliteStorageOptions = {}): ServerStorage {
  assertSqliteHeader(path);
  const db = new Database(path);
  try {
    // Concurrent readers/writers wait instead of failing with SQLITE_BUSY straight away.
    db.pragma(`busy_timeout = ${safeInt(opts.busyTimeoutMs ?? 5000)}`);
    assertNotFromFuture(db, path);
    // synchronous stays FULL (the default): a signed receipt promises the item is durable.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, opts.now ?? (() => new Date()));
    db.pragma(OPTIMIZE);
  } catch (err) {
    db.close();
    throw err;
  }
  // WAL checkpoints on a worker: not inside the COMMIT of the batch that crossed the limit.
  const checkpoints = db.memory ? null : startBackgroundCheckpoints(db, { path, onError: opts.onCheckpointError });
  return createSqliteRepository(db, checkpoints);
}

function createSqliteRepository(db: Database.Database, checkpoints: Checkpointer | null): ServerStorage {
  const ctx = createSqliteContext(db);
  return {
    ...sqliteDevicesMethods(ctx),
    ...sqliteTeamMethods(ctx),
    ...sqliteSyncMethods(ctx),
    ...sqliteGovernanceMethods(ctx),
    ...sqliteMetricsMethods(db),
    ...sqliteKeysMethods(ctx),
    close: async () => {
      await checkpoints?.stop();
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
  const found = sqliteUserVersion(db);
  if (found > SCHEMA_VERSION) {
    throw new StorageOpenError(
      'DB_FROM_FUTURE',
      `Refusing to open ${path}: schema version ${found} is newer than this server supports (${SCHEMA_VERSION}). Upgrade the server.`,
    );
  }
}

function migrate(db: Database.Database, now: () => Date): void {
  // IMMEDIATE takes the write lock up front so two servers starting at once cannot both migrate;
  // the plan is re-made inside the lock. All pending steps commit (or roll back) together.
  db.function(MIGRATION_NOW_FUNCTION, () => now().toISOString());
  try {
    migrateSqlite(db, MIGRATIONS, { lock: 'immediate', now });
  } catch (err) {
    if (err instanceof MigrationError && err.code === 'FROM_FUTURE')
      throw new StorageOpenError('DB_FROM_FUTURE', `Refusing to open ${db.name}: ${err.message}`);
    if (err instanceof MigrationError) throw new StorageOpenError('DB_MIGRATION_CHANGED', `Refusing to open ${db.name}: ${err.message}`);
    throw err;
  }
}

function safeInt(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Expected a non-negative integer, got ${n}`);
  return n;
}
