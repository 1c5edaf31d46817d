import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from './migrations';
import { openSqliteStorage } from './sqlite';
import { StorageOpenError } from './types';

let dir: string;
let dbPath: string;

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function inspect<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function expectRefused(code: string): void {
  let caught: unknown;
  try {
    openSqliteStorage(dbPath).close();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StorageOpenError);
  expect((caught as StorageOpenError).code).toBe(code);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-srv-'));
  dbPath = join(dir, 'server.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openSqliteStorage', () => {
  it('migrates a new db to user_version 1 with server_meta.created_at', () => {
    const now = new Date('2025-02-03T04:05:06.000Z');
    const s = openSqliteStorage(dbPath, { now: () => now });
    expect(s.health()).toMatchObject({ ok: true, detail: 'ok' });
    s.close();

    expect(SCHEMA_VERSION).toBe(1);
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const row = db.prepare('SELECT value FROM server_meta WHERE key = ?').get('created_at');
      expect(row).toEqual({ value: now.toISOString() });
    });
  });

  it('reopening is idempotent (no re-run, created_at kept)', () => {
    openSqliteStorage(dbPath, { now: () => new Date('2025-01-01T00:00:00Z') }).close();
    const s = openSqliteStorage(dbPath, { now: () => new Date('2030-01-01T00:00:00Z') });
    s.close();
    s.close(); // close is safe to repeat
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.prepare('SELECT key, value FROM server_meta').all()).toEqual([
        { key: 'created_at', value: '2025-01-01T00:00:00.000Z' },
      ]);
    });
  });

  it('refuses a db from a newer server with DB_FROM_FUTURE and leaves its bytes unchanged', () => {
    const db = new Database(dbPath);
    db.exec('CREATE TABLE future_stuff (x INTEGER)');
    db.pragma('user_version = 99');
    db.close();
    const before = sha256(dbPath);

    expectRefused('DB_FROM_FUTURE');
    expect(sha256(dbPath)).toBe(before);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    inspect((d) => expect(d.pragma('user_version', { simple: true })).toBe(99));
  });

  it('refuses a non-SQLite file and leaves it unchanged', () => {
    writeFileSync(dbPath, 'this is definitely not a database, just some text\n'.repeat(100));
    const before = sha256(dbPath);
    expectRefused('DB_NOT_SQLITE');
    expect(sha256(dbPath)).toBe(before);
  });

  it('treats an existing empty file as a new database', () => {
    writeFileSync(dbPath, '');
    const s = openSqliteStorage(dbPath);
    expect(s.health().ok).toBe(true);
    s.close();
  });
});
