import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase, schemaVersion } from '../connection';
import { tempDir } from '../../test-utils';

const item = (seq: number, over: Record<string, unknown> = {}) => ({
  seq,
  id: `m${seq}`,
  tier: 'semantic',
  text: `pump pressure note ${seq}`,
  locale: 'en',
  lang: 'en',
  source_refs: '[]',
  created_at: '2026-11-01T00:00:00.000Z',
  expires_at: null,
  content_hash: `h${seq}`,
  embedding_model: null,
  run_id: null,
  bytes: 10,
  ...over,
});
const INSERT = `INSERT INTO memory_items (seq, id, tier, text, locale, lang, source_refs, created_at, expires_at, content_hash, embedding_model, run_id, bytes)
  VALUES (:seq, :id, :tier, :text, :locale, :lang, :source_refs, :created_at, :expires_at, :content_hash, :embedding_model, :run_id, :bytes)`;

describe('migration 008 (memory)', () => {
  it('adds the memory tables on top of version 7 and keeps what was there', () => {
    const path = join(tempDir(), 'm8.db');
    const db7 = openDatabase(path, { targetVersion: 7 });
    db7.prepare("INSERT INTO audit_log (seq, ts, actor, action, payload, prev_hash, hash) VALUES (1, 't', 'a', 'x', '{}', 'p', 'h')").run();
    db7.close();
    const db = openDatabase(path, { targetVersion: 8 });
    expect(schemaVersion(db)).toBe(8);
    expect(db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(1);
    const ins = db.prepare(INSERT);
    ins.run(item(1));
    // tier, JSON, dedupe and core-never-expires constraints
    expect(() => ins.run(item(2, { tier: 'scratch' }))).toThrow(/CHECK/);
    expect(() => ins.run(item(3, { source_refs: '{"a":1}' }))).toThrow(/CHECK/);
    expect(() => ins.run(item(4, { content_hash: 'h1' }))).toThrow(/UNIQUE/);
    expect(() => ins.run(item(5, { tier: 'core', expires_at: '2027-01-01T00:00:00.000Z' }))).toThrow(/CHECK/);
    // The full-text index follows inserts and deletes; vectors go with their item.
    ins.run(item(6, { text: 'the valve was replaced' }));
    db.prepare('INSERT INTO memory_vectors (seq, vec) VALUES (6, ?)').run(Buffer.alloc(16));
    const match = db.prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank').pluck();
    expect(match.all('"pump"')).toEqual([1]);
    expect(match.all('"replace"')).toEqual([6]); // porter stemming
    db.prepare('DELETE FROM memory_items WHERE seq = 6').run();
    expect(match.all('"valve"')).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM memory_vectors').pluck().get()).toBe(0);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM memory_items WHERE tier = 'working' ORDER BY created_at, seq LIMIT 5").all() as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join()).toMatch(/memory_items_tier_time/);
    db.close();
  });

  it('folds diacritics in full-text search', () => {
    // Migration 008's schema: every insert indexed at once (from 021 on, the items above
    // indexed_seq wait in a tail; 021-memory-fts-tail.test.ts).
    const db = openDatabase(':memory:', { targetVersion: 8 });
    db.prepare(INSERT).run(item(1, { text: 'Säkerhetsrutin för pumpar', locale: 'sv', lang: 'sv' }));
    expect(db.prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH \'"sakerhetsrutin"\'').pluck().all()).toEqual([1]);
    db.close();
  });
});
