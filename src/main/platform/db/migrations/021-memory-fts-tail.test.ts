import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase, schemaVersion, type Db } from '../connection';
import { tempDir } from '../../test-utils';

const INSERT = `INSERT INTO memory_items (seq, id, tier, text, locale, lang, source_refs, created_at, expires_at, content_hash, embedding_model, run_id, bytes)
  VALUES (?, ?, 'semantic', ?, 'en', 'en', '[]', '2026-11-01T00:00:00.000Z', NULL, ?, NULL, NULL, 10)`;
const add = (db: Db, seq: number, text: string) => db.prepare(INSERT).run(seq, `m${seq}`, text, `h${seq}`);
const match = (db: Db, q: string) => db.prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid').pluck().all(q);
const indexed = (db: Db) => db.prepare('SELECT indexed_seq FROM memory_fts_state').pluck().get();
/** FTS5's own check of an external-content index against its table: throws when they disagree. */
const integrity = (db: Db) => db.prepare("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)").run();
/** What MemoryStore does with the tail (store.ts writeFtsTail). */
const writeTail = (db: Db) => {
  db.prepare(
    'INSERT INTO memory_fts (rowid, text) SELECT seq, text FROM memory_items WHERE seq > (SELECT indexed_seq FROM memory_fts_state) ORDER BY seq',
  ).run();
  db.prepare('UPDATE memory_fts_state SET indexed_seq = (SELECT max(seq) FROM memory_items)').run();
};

describe('migration 021 (memory full-text tail)', () => {
  it('on a version-20 database: everything stored is indexed, and stays found', () => {
    const path = join(tempDir('m021-'), 'm.db');
    const old = openDatabase(path, { targetVersion: 20 });
    add(old, 1, 'pump pressure');
    add(old, 2, 'valve corrosion');
    old.close();
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(21);
    expect(indexed(db)).toBe(2);
    expect(match(db, 'corrosion')).toEqual([2]);
    integrity(db);
    db.close();
  });

  it('an item above indexed_seq waits in the tail; writing the tail indexes it', () => {
    const db = openDatabase(':memory:');
    expect(indexed(db)).toBe(0);
    add(db, 1, 'pump pressure');
    add(db, 2, 'valve corrosion');
    expect(match(db, 'pump')).toEqual([]);
    writeTail(db);
    expect(indexed(db)).toBe(2);
    expect(match(db, 'pump')).toEqual([1]);
    integrity(db);
    db.close();
  });

  it('deleting or changing a tail item leaves the index alone; an indexed one is taken out or changed', () => {
    const db = openDatabase(':memory:');
    add(db, 1, 'pump pressure');
    writeTail(db);
    add(db, 2, 'valve corrosion');
    add(db, 3, 'ladder rungs');
    db.prepare('DELETE FROM memory_items WHERE seq = 2').run();
    db.prepare("UPDATE memory_items SET text = 'ladder paint' WHERE seq = 3").run();
    db.prepare("UPDATE memory_items SET text = 'pump flow' WHERE seq = 1").run();
    expect(match(db, 'pressure')).toEqual([]);
    expect(match(db, 'flow')).toEqual([1]);
    writeTail(db);
    expect(match(db, 'ladder')).toEqual([3]);
    expect(match(db, 'rungs')).toEqual([]);
    expect(match(db, 'corrosion')).toEqual([]);
    db.prepare('DELETE FROM memory_items WHERE seq = 1').run();
    expect(match(db, 'pump')).toEqual([]);
    integrity(db);
    db.close();
  });

  it('a seq handed out again at or below indexed_seq (after the highest item was deleted) is indexed at once', () => {
    const db = openDatabase(':memory:');
    add(db, 1, 'pump pressure');
    add(db, 2, 'valve corrosion');
    writeTail(db);
    db.prepare('DELETE FROM memory_items WHERE seq = 2').run();
    // What SQLite does for an INTEGER PRIMARY KEY without AUTOINCREMENT: max(seq) + 1, here 2 again.
    const seq = Number(
      db
        .prepare(
          `INSERT INTO memory_items (id, tier, text, locale, lang, source_refs, created_at, expires_at, content_hash, embedding_model, run_id, bytes)
           VALUES ('again', 'semantic', 'flange leak', 'en', 'en', '[]', '2026-11-01T00:00:00.000Z', NULL, 'h-again', NULL, NULL, 10)`,
        )
        .run().lastInsertRowid,
    );
    expect(seq).toBe(2);
    expect(match(db, 'flange')).toEqual([2]);
    db.prepare('DELETE FROM memory_items WHERE seq = 2').run();
    expect(match(db, 'flange')).toEqual([]);
    integrity(db);
    db.close();
  });
});
