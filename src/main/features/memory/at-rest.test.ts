// Memory search on the encrypted device database: sqlite-vec (vec0 KNN) and FTS5 load and work in
// the SQLite3 Multiple Ciphers build, and what they stored reads back after reopening with the key.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../platform/db/connection';
import { dbFileKind } from '../../platform/db/cipher';
import { tempDir } from '../../platform/test-utils';
import { loadSqliteVec } from './sqlite-vec';
import { testMemory } from './testing';

describe('memory on the encrypted database', () => {
  it('vec0 KNN and FTS5 both rank, before and after reopening with the key', async () => {
    const path = join(tempDir(), 'maestro.db');
    const key = randomBytes(32);
    const texts = ['Compressor oil leak at pump station seven', 'Blade crack on turbine four', 'Fence gate hinge rusted near the quarry'];
    {
      const t = testMemory({ db: openDatabase(path, { key }), tuning: { exactBelow: 0 } });
      expect(loadSqliteVec(t.db)).toMatchObject({ ok: true, version: expect.stringMatching(/^v0\./) });
      for (const text of texts) await t.memory.add({ tier: 'semantic', text, locale: 'en', sourceRefs: [], actor: 'user:u1' });
      await t.memory.embedded();
      // A vec0 index was made (exactBelow 0: the search goes through it, not the exact scan).
      expect(t.db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name LIKE 'memory_vec_%' AND sql LIKE '%USING vec0%'`).pluck().get()).toBe(1);
      const r = await t.memory.search({ text: 'compressor oil' });
      expect(r.hits[0]).toMatchObject({ item: { text: texts[0] }, vectorRank: 1, textRank: 1 });
      t.db.close();
    }
    expect(dbFileKind(path)).toBe('encrypted');
    expect(readFileSync(path).includes(Buffer.from('Compressor'))).toBe(false);
    const t = testMemory({ db: openDatabase(path, { key }), tuning: { exactBelow: 0 } });
    const words = await t.memory.search({ text: 'turbine blade' });
    expect(words.hits[0]).toMatchObject({ item: { text: texts[1] }, vectorRank: 1, textRank: 1 });
    expect(t.db.prepare(`SELECT rowid FROM memory_fts WHERE memory_fts MATCH 'quarry'`).all()).toHaveLength(1);
    t.db.close();
  });
});
