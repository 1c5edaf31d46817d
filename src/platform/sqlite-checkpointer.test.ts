import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackgroundCheckpoints } from './sqlite-checkpointer';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A connection to `path`, under the SQLCipher key when given (as main/platform/db/cipher.ts applies it). */
function connect(path: string, key?: Buffer): Database.Database {
  const db = new Database(path);
  if (key) {
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    db.pragma(`key = "x'${key.toString('hex')}'"`);
  }
  return db;
}

function open(key?: Buffer): { db: Database.Database; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'a.db');
  const db = connect(path, key);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  return { db, path };
}

/** `n` single-row transactions of 2 KiB each: about one log frame each, and as many commits. */
function write(db: Database.Database, n: number): void {
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < n; i++) ins.run(randomBytes(2048));
}

/** Resolves once `check` holds (polled), or fails after `ms`. */
async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('background WAL checkpoints', () => {
  for (const encrypted of [false, true]) {
    it(`copy the log into the database on the worker, and the writer only checkpoints as a fallback (${encrypted ? 'SQLCipher' : 'plain'})`, async () => {
      const key = encrypted ? randomBytes(32) : undefined;
      const { db, path } = open(key);
      const cp = startBackgroundCheckpoints(db, { path, key, intervalMs: 10, fallbackPages: 50_000 });
      expect(await cp.ready).toBe(true);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(50_000);
      // 3,000 frames: below the writer's own limit, so only the worker can have checkpointed them.
      write(db, 3_000);
      await until(async () => {
        const s = await cp.stats();
        return s.frames >= 3_000 && s.pending === 0;
      });
      // And it goes on while the writer writes.
      const before = (await cp.stats()).frames;
      write(db, 500);
      await until(async () => {
        const s = await cp.stats();
        return s.frames >= before + 500 && s.pending === 0;
      });
      await cp.stop();
      db.close();
      // Nothing lost: every committed row is in the database once the log is gone.
      const again = connect(path, key);
      expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3_500);
      expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
      again.close();
    });
  }

  it('a worker that cannot open the database reports it, and the writer keeps its own checkpoints', async () => {
    const { db, path } = open(randomBytes(32));
    const errors: string[] = [];
    // The wrong key: the worker's first statement fails.
    const cp = startBackgroundCheckpoints(db, { path, key: randomBytes(32), onError: (m) => errors.push(m) });
    expect(await cp.ready).toBe(false);
    expect(errors[0]).toMatch(/not a database|file is encrypted/i);
    // SQLite's own default again: the writer checkpoints on commit.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    write(db, 10);
    await cp.stop();
    expect(await cp.stats()).toEqual({ runs: 0, frames: 0, pending: 0 });
    db.close();
  });

  it('starts the worker after delayMs: until then, and after stop(), the writer checkpoints on commit', async () => {
    const { db, path } = open();
    const cp = startBackgroundCheckpoints(db, { path, delayMs: 150, intervalMs: 10 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    expect(await cp.stats()).toEqual({ runs: 0, frames: 0, pending: 0 });
    expect(await cp.ready).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await cp.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    // Stopped before its delay: no worker ever starts.
    const early = startBackgroundCheckpoints(db, { path, delayMs: 50 });
    await early.stop();
    expect(await early.ready).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    db.close();
  });

  it('stop() is safe to repeat; a key of the wrong size is refused', async () => {
    const { db, path } = open();
    const cp = startBackgroundCheckpoints(db, { path });
    await cp.stop();
    await cp.stop();
    db.close();
    expect(() => startBackgroundCheckpoints(db, { path, key: Buffer.alloc(5) })).toThrow(/32 bytes/);
  });
});
