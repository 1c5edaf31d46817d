import { openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './connection';
import { createHealthRegistry } from '../health';
import { registerDbHealth } from './health';
import { tempDir } from '../test-utils';

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

function fileDb(key?: Buffer): { db: Db; path: string } {
  const path = join(tempDir(), 'maestro.db');
  const db = openDatabase(path, key ? { key } : {});
  open.push(db);
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)');
  const ins = db.prepare('INSERT INTO filler (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 400; i++) ins.run(randomBytes(900));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, path };
}

const dbStore = (h: ReturnType<typeof createHealthRegistry>) => h.run('now').checks.find((c) => c.id === 'db.store')!;

describe('db.store health', () => {
  it('a small database is checked inline at every refresh, as before', () => {
    const { db } = fileDb();
    const h = createHealthRegistry();
    registerDbHealth(db, h);
    expect(dbStore(h)).toMatchObject({ status: 'ok', figures: { quickCheck: 'ok' } });
    expect(dbStore(h).messages?.[0]?.code).toBe('health.check.db.store.healthy');
  });

  it('a big one is checked on a worker: "checking" until the first result, then the result and its time', async () => {
    const { db } = fileDb();
    const h = createHealthRegistry();
    const at = new Date('2027-03-01T10:00:00Z');
    const check = registerDbHealth(db, h, { inlineMaxBytes: 0, now: () => at });
    const first = dbStore(h);
    expect(first).toMatchObject({ status: 'ok', figures: { quickCheck: 'pending', quickCheckAt: null } });
    expect(first.messages?.[0]?.code).toBe('health.check.db.store.checking');
    await check.refresh();
    expect(dbStore(h)).toMatchObject({ status: 'ok', figures: { quickCheck: 'ok', quickCheckAt: at.toISOString() } });
  });

  it('an encrypted database the worker cannot read (no key) is a problem, never "ok"', async () => {
    const { db } = fileDb(randomBytes(32));
    const h = createHealthRegistry();
    const check = registerDbHealth(db, h, { inlineMaxBytes: 0 });
    await check.refresh();
    expect(dbStore(h)).toMatchObject({ status: 'error' });
  });

  it('with the key an encrypted database checks ok', async () => {
    const key = randomBytes(32);
    const { db } = fileDb(key);
    const h = createHealthRegistry();
    const check = registerDbHealth(db, h, { inlineMaxBytes: 0, key });
    await check.refresh();
    expect(dbStore(h)).toMatchObject({ status: 'ok', figures: { quickCheck: 'ok' } });
  });

  it('a corrupted database is reported by the worker check, and again after everyMs', async () => {
    const { db, path } = fileDb();
    let t = 0;
    const h = createHealthRegistry();
    const check = registerDbHealth(db, h, { inlineMaxBytes: 0, everyMs: 1000, now: () => new Date(t) });
    await check.refresh();
    expect(dbStore(h).status).toBe('ok');
    // Garbage over a page of the filler table's b-tree (not page 1: the file still opens).
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096 * 6);
    closeSync(fd);
    // Within everyMs Health shows the last result; after it, a refresh runs in the background.
    t = 500;
    expect(dbStore(h).status).toBe('ok');
    t = 2000;
    dbStore(h);
    await check.refresh();
    const after = dbStore(h);
    expect(after.status).toBe('error');
    expect(after.messages?.[0]?.code).toBe('health.check.db.store.problem');
  });

  it('an in-memory database is checked inline', () => {
    const db = openDatabase(':memory:');
    open.push(db);
    const h = createHealthRegistry();
    registerDbHealth(db, h, { inlineMaxBytes: 0 });
    expect(dbStore(h).figures.quickCheck).toBe('pending');
  });
});
