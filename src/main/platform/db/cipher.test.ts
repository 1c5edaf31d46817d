import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { openDatabase } from './connection';
import { DatabaseError } from './errors';
import { dbFileKind, markerPathOf, pendingMigration, tmpPathOf, type AtRestProgress } from './cipher';
import { LATEST_SCHEMA_VERSION } from './migrations/index';
import { tempDir, makeServices, TEST_AT_REST_KEY } from '../test-utils';

const key = () => randomBytes(32);

function refusal(f: () => unknown): DatabaseError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DatabaseError);
    return e as DatabaseError;
  }
  throw new Error('expected a DatabaseError');
}

/** A plaintext profile at the latest schema with `rows` rows in an extra table, some still in the WAL. */
function plaintextProfile(path: string, rows: number): void {
  openDatabase(path).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE bulk (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO bulk (text) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`plain row ${i}`);
  })();
  // Leave the last rows in the WAL: copy the pair while the connection holds them there.
  copyFileSync(path, `${path}.snap`);
  copyFileSync(`${path}-wal`, `${path}.snap-wal`);
  db.close();
  copyFileSync(`${path}.snap`, path);
  copyFileSync(`${path}.snap-wal`, `${path}-wal`);
}

describe('the device database encrypted at rest', () => {
  it('a new database is SQLCipher-encrypted: no SQLite header, reopens with its key', () => {
    const path = join(tempDir(), 'maestro.db');
    const k = key();
    const db = openDatabase(path, { key: k });
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES ('visible only with the key')");
    db.close();
    expect(dbFileKind(path)).toBe('encrypted');
    expect(readFileSync(path).includes(Buffer.from('visible only with the key'))).toBe(false);
    const again = openDatabase(path, { key: k });
    expect(again.prepare('SELECT x FROM t').pluck().get()).toBe('visible only with the key');
    expect(again.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(again.pragma('cipher', { simple: true })).toBe('sqlcipher');
    again.close();
  });

  it('a wrong key is refused with DB_KEY_WRONG and the file is unchanged', () => {
    const path = join(tempDir(), 'maestro.db');
    openDatabase(path, { key: key() }).close();
    const before = readFileSync(path);
    const err = refusal(() => openDatabase(path, { key: key() }));
    expect(err.code).toBe('DB_KEY_WRONG');
    expect(err.message).toMatch(/at-rest key does not open/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('an encrypted database without a key is refused with DB_KEY_REQUIRED, unchanged', () => {
    const path = join(tempDir(), 'maestro.db');
    openDatabase(path, { key: key() }).close();
    const before = readFileSync(path);
    expect(refusal(() => openDatabase(path)).code).toBe('DB_KEY_REQUIRED');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a plaintext profile (rows in its WAL too) is encrypted in place with progress; every row is kept', () => {
    const path = join(tempDir(), 'maestro.db');
    plaintextProfile(path, 5000);
    expect(dbFileKind(path)).toBe('plaintext');
    expect(readFileSync(`${path}-wal`).length).toBeGreaterThan(0);
    const k = key();
    const seen: AtRestProgress[] = [];
    const db = openDatabase(path, { key: k, onProgress: (p) => seen.push(p) });
    expect(db.prepare('SELECT count(*) FROM bulk').pluck().get()).toBe(5000);
    expect(db.prepare('SELECT text FROM bulk WHERE id = 5000').pluck().get()).toBe('plain row 4999');
    db.close();
    expect(dbFileKind(path)).toBe('encrypted');
    expect(readFileSync(path).includes(Buffer.from('plain row'))).toBe(false);
    const stages = [...new Set(seen.map((p) => p.stage))];
    expect(stages).toEqual(['checkpoint', 'copy', 'encrypt', 'verify', 'swap', 'done']);
    const copy = seen.filter((p) => p.stage === 'copy');
    expect(copy.at(-1)!.done).toBe(copy.at(-1)!.total);
    expect(existsSync(tmpPathOf(path))).toBe(false);
    // The marker waits for the audit entry (createServices writes it).
    expect(pendingMigration(path)).toMatchObject({ from: 'plaintext', tables: expect.any(Number), rows: expect.any(Number) });
  });

  it('createServices audits the finished migration once and removes its marker', () => {
    const dataDir = tempDir();
    const path = join(dataDir, 'maestro.db');
    plaintextProfile(path, 100);
    const s = makeServices({ dataDir });
    const entries = s.audit.list({ limit: 100 }).entries.filter((e) => e.action === 'db.encrypted_at_rest');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.payload).toMatchObject({ from: 'plaintext', rows: expect.any(Number), bytes: expect.any(Number) });
    expect(existsSync(markerPathOf(path))).toBe(false);
    s.close();
    const again = makeServices({ dataDir, atRestKey: TEST_AT_REST_KEY });
    expect(again.audit.list({ limit: 100 }).entries.filter((e) => e.action === 'db.encrypted_at_rest')).toHaveLength(1);
    expect(again.audit.verify().valid).toBe(true);
    again.close();
  });

  it('a copy left by a killed migration is removed and the plaintext database migrates again', () => {
    const path = join(tempDir(), 'maestro.db');
    plaintextProfile(path, 100);
    writeFileSync(tmpPathOf(path), randomBytes(8192));
    writeFileSync(`${tmpPathOf(path)}-journal`, randomBytes(512));
    writeFileSync(markerPathOf(path), '{"torn');
    const k = key();
    const db = openDatabase(path, { key: k });
    expect(db.prepare('SELECT count(*) FROM bulk').pluck().get()).toBe(100);
    db.close();
    expect(existsSync(tmpPathOf(path))).toBe(false);
    expect(existsSync(`${tmpPathOf(path)}-journal`)).toBe(false);
    expect(pendingMigration(path)).toMatchObject({ from: 'plaintext' });
  });
});
