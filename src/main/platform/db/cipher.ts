// Encryption at rest of the device database: SQLCipher 4 format (AES-256-CBC pages, HMAC-SHA512 per
// page) through SQLite3 Multiple Ciphers (the `better-sqlite3` dependency is the
// better-sqlite3-multiple-ciphers build; docs/decisions/0019-database-at-rest.md). The key is 32 raw
// bytes (platform/keys/at-rest.ts), given as `x'<hex>'` so no passphrase KDF runs on open.
//
// Migrating a plaintext profile in place is crash-safe: the plaintext file is checkpointed, copied to
// `<db>.atrest-tmp`, the copy is encrypted (`PRAGMA rekey`), checked and fsynced, a marker is written,
// and the copy is renamed over the original (atomic). Killed before the rename, the next start finds
// the plaintext database and a stale copy (deleted, migration restarted); killed after it, the
// encrypted one, and the marker tells the caller to audit the finished migration.
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
type Db = Database.Database;
import { DatabaseError } from './errors';

const SQLITE_HEADER = 'SQLite format 3\u0000';
const COPY_CHUNK = 1 << 20;

export type DbFileKind = 'absent' | 'plaintext' | 'encrypted';

export interface AtRestProgress {
  stage: 'checkpoint' | 'copy' | 'encrypt' | 'verify' | 'swap' | 'done';
  /** Bytes of the database copied so far, and in all (the copy is the long stage). */
  done: number;
  total: number;
}

export interface AtRestMigration {
  from: 'plaintext';
  bytes: number;
  tables: number;
  rows: number;
  startedAt: string;
  finishedAt: string;
}

export const tmpPathOf = (path: string) => `${path}.atrest-tmp`;
export const markerPathOf = (path: string) => `${path}.atrest-migrated.json`;

/** What the file is, from its first 16 bytes: SQLCipher leaves no plaintext header. */
export function dbFileKind(path: string): DbFileKind {
  if (!existsSync(path) || statSync(path).size === 0) return 'absent';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, 0);
    return buf.toString('latin1') === SQLITE_HEADER ? 'plaintext' : 'encrypted';
  } finally {
    closeSync(fd);
  }
}

function cipherPragmas(db: Db, key: Buffer, verb: 'key' | 'rekey'): void {
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  // Not user input: 64 hex digits of our own key (checked length), the raw-key form of PRAGMA key.
  if (key.length !== 32) throw new DatabaseError('DB_KEY_WRONG', 'the at-rest key must be 32 bytes', db.name);
  db.pragma(`${verb} = "x'${key.toString('hex')}'"`);
}

/** Key a freshly opened connection and prove the key by reading the schema. */
export function applyKey(db: Db, key: Buffer): void {
  cipherPragmas(db, key, 'key');
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') {
      throw new DatabaseError('DB_KEY_WRONG', `the at-rest key does not open ${db.name} (a different key, or a damaged file); it was left untouched`, db.name);
    }
    throw e;
  }
  // Sort and temp b-trees in memory: SQLite's temp files would be written unencrypted.
  db.pragma('temp_store = MEMORY');
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function copyWithProgress(from: string, to: string, onProgress: (p: AtRestProgress) => void): number {
  const total = statSync(from).size;
  const src = openSync(from, 'r');
  const dst = openSync(to, 'w', 0o600);
  try {
    const buf = Buffer.alloc(COPY_CHUNK);
    let done = 0;
    for (;;) {
      const n = readSync(src, buf, 0, COPY_CHUNK, done);
      if (n === 0) break;
      writeSync(dst, buf, 0, n);
      done += n;
      onProgress({ stage: 'copy', done, total });
    }
    fsyncSync(dst);
    return done;
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

/** Row counts of the ordinary tables (virtual tables are counted through their shadow tables). */
function rowCounts(db: Db): Map<string, number> {
  const names = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  const counts = new Map<string, number>();
  for (const n of names)
    counts.set(
      n,
      db
        .prepare(`SELECT count(*) FROM "${n.replaceAll('"', '""')}"`)
        .pluck()
        .get() as number,
    );
  return counts;
}

/** Remove what a migration killed before its rename left behind (never the database itself). */
export function removeStaleCopy(path: string): void {
  const tmp = tmpPathOf(path);
  for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
}

/** Checkpoint the plaintext database into one file (no WAL left) and count its rows. */
function checkpointPlaintext(path: string): Map<string, number> {
  const plain = new Database(path);
  try {
    plain.pragma('busy_timeout = 5000');
    plain.pragma('wal_checkpoint(TRUNCATE)');
    plain.pragma('journal_mode = DELETE');
    return rowCounts(plain);
  } finally {
    plain.close();
  }
}

function encryptCopy(tmp: string, key: Buffer): void {
  const db = new Database(tmp);
  try {
    db.pragma('journal_mode = DELETE');
    cipherPragmas(db, key, 'rekey');
  } finally {
    db.close();
  }
}

function verifyCopy(tmp: string, key: Buffer, expected: Map<string, number>): void {
  const db = new Database(tmp, { readonly: true });
  try {
    applyKey(db, key);
    const quick = db.pragma('quick_check', { simple: true });
    if (quick !== 'ok') throw new Error(`quick_check: ${String(quick)}`);
    const got = rowCounts(db);
    for (const [t, n] of expected) if (got.get(t) !== n) throw new Error(`table ${t}: ${got.get(t) ?? 'missing'} rows in the copy, ${n} in the original`);
  } finally {
    db.close();
  }
}

/**
 * Encrypt the plaintext database at `path` in place under `key`. On any error the plaintext file is
 * as it was and the copy is removed (DB_ENCRYPT_FAILED).
 */
export function encryptInPlace(path: string, key: Buffer, onProgress: (p: AtRestProgress) => void = () => {}, now = () => new Date()): AtRestMigration {
  const startedAt = now().toISOString();
  const tmp = tmpPathOf(path);
  removeStaleCopy(path);
  try {
    onProgress({ stage: 'checkpoint', done: 0, total: statSync(path).size });
    const counts = checkpointPlaintext(path);
    if (existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0)
      throw new Error('the plaintext database still has a write-ahead log (is another process using it?)');
    rmSync(`${path}-shm`, { force: true });
    const bytes = copyWithProgress(path, tmp, onProgress);
    onProgress({ stage: 'encrypt', done: bytes, total: bytes });
    encryptCopy(tmp, key);
    onProgress({ stage: 'verify', done: bytes, total: bytes });
    verifyCopy(tmp, key, counts);
    fsyncPath(tmp);
    const rows = [...counts.values()].reduce((a, b) => a + b, 0);
    const migration: AtRestMigration = { from: 'plaintext', bytes, tables: counts.size, rows, startedAt, finishedAt: now().toISOString() };
    const marker = markerPathOf(path);
    writeFileSync(marker, JSON.stringify(migration), { mode: 0o600 });
    fsyncPath(marker);
    onProgress({ stage: 'swap', done: bytes, total: bytes });
    renameSync(tmp, path);
    fsyncPath(dirname(path));
    onProgress({ stage: 'done', done: bytes, total: bytes });
    return migration;
  } catch (e) {
    removeStaleCopy(path);
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError('DB_ENCRYPT_FAILED', `encrypting ${path} failed (${(e as Error).message}); the plaintext database was left as it was`, path);
  }
}

/**
 * The finished migration whose audit entry is still owed (the marker outlives a kill between the
 * rename and the audit), or null. A marker beside a still-plaintext database is stale: removed.
 */
export function pendingMigration(path: string): AtRestMigration | null {
  const marker = markerPathOf(path);
  if (!existsSync(marker)) return null;
  if (dbFileKind(path) !== 'encrypted') {
    rmSync(marker, { force: true });
    return null;
  }
  try {
    return JSON.parse(readFileSync(marker, 'utf8')) as AtRestMigration;
  } catch {
    // A marker torn by a crash while it was written belongs to a migration that never renamed.
    rmSync(marker, { force: true });
    return null;
  }
}

/** The audit entry for the migration was written: the marker goes. */
export function clearPendingMigration(path: string): void {
  rmSync(markerPathOf(path), { force: true });
}
