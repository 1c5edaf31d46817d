// The store's read cache (term counts, highest seq): every answer equals a fresh read, whether the
// data changed through this store or through another connection.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../platform/db/connection';
import { tempDir } from '../../platform/test-utils';
import { ftsMatchExpression } from './ranking';
import { FTS_TAIL_MAX, MemoryStore, contentHash, type NewItemRow } from './store';
import { testMemory } from './testing';

let seq = 0;
function row(text: string): NewItemRow {
  const id = `item-${++seq}`;
  return {
    id,
    tier: 'semantic',
    text,
    locale: 'en',
    lang: 'en',
    source_refs: '[]',
    created_at: '2026-11-01T08:00:00.000Z',
    expires_at: null,
    content_hash: contentHash('semantic', `${text} ${id}`, 'en'),
    embedding_model: null,
    run_id: null,
    bytes: text.length,
  };
}

const fresh = (db: Db, match: string, cap: number): number =>
  db.prepare('SELECT count(*) FROM (SELECT 1 FROM memory_fts WHERE memory_fts MATCH ? LIMIT ?)').pluck().get(match, cap) as number;
const freshMax = (db: Db): number => db.prepare('SELECT coalesce(max(seq), 0) FROM memory_items').pluck().get() as number;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('MemoryStore read cache', () => {
  it('answers as a fresh read after inserts and deletes through the store', () => {
    const db = openDatabase(':memory:');
    const store = new MemoryStore(db);
    const m = ftsMatchExpression(['valve'])!;
    expect(store.termCount(m, 10)).toBe(0);
    const seqs = [1, 2, 3].map(() => store.insert(row('valve flange corrosion'), null));
    expect(store.termCount(m, 10)).toBe(3);
    expect(store.termCount(m, 2)).toBe(2);
    expect(store.maxSeq()).toBe(freshMax(db));
    store.delete(seqs[2]!);
    expect(store.termCount(m, 10)).toBe(fresh(db, m, 10));
    expect(store.termCount(m, 10)).toBe(2);
    expect(store.maxSeq()).toBe(freshMax(db));
    db.close();
  });

  it('sees commits of another connection (data_version)', () => {
    const dir = tempDir('maestro-memory-store-');
    dirs.push(dir);
    const a = openDatabase(join(dir, 'm.db'));
    const b = openDatabase(join(dir, 'm.db'));
    const store = new MemoryStore(a);
    const m = ftsMatchExpression(['gasket'])!;
    store.insert(row('gasket leak'), null);
    expect(store.termCount(m, 10)).toBe(1);
    new MemoryStore(b).insert(row('gasket replaced'), null);
    expect(store.termCount(m, 10)).toBe(2);
    expect(store.maxSeq()).toBe(freshMax(b));
    a.close();
    b.close();
  });

  it('search finds what was added after a term was counted, and drops what was deleted', async () => {
    const t = testMemory();
    const first = await t.memory.add({ tier: 'semantic', text: 'pump seal worn on line four', locale: 'en' });
    expect((await t.memory.search({ text: 'pump seal' })).hits.map((h) => h.item.id)).toEqual([first.id]);
    const second = await t.memory.add({ tier: 'semantic', text: 'pump seal replaced after inspection', locale: 'en' });
    expect(new Set((await t.memory.search({ text: 'pump seal' })).hits.map((h) => h.item.id))).toEqual(new Set([first.id, second.id]));
    t.memory.delete(first.id, 'test', 'user:test');
    expect((await t.memory.search({ text: 'pump seal' })).hits.map((h) => h.item.id)).toEqual([second.id]);
  });
});

describe('MemoryStore tier counts (kept up by writes, not counted per insert)', () => {
  const freshTier = (db: Db, tier: string): number => db.prepare('SELECT count(*) FROM memory_items WHERE tier = ?').pluck().get(tier) as number;
  const agree = (store: MemoryStore, db: Db) => {
    for (const tier of ['semantic', 'core', 'episodic'] as const) expect(store.countTier(tier)).toBe(freshTier(db, tier));
  };

  it('equals a fresh count after inserts, deletes and pins in its transactions, and after one that rolled back', () => {
    const db = openDatabase(':memory:');
    const store = new MemoryStore(db);
    agree(store, db);
    const seqs = store.transaction(() => [1, 2, 3, 4].map(() => store.insert(row('valve'), null)));
    expect(store.countTier('semantic')).toBe(4);
    agree(store, db);
    store.transaction(() => store.delete(seqs[0]!));
    agree(store, db);
    store.transaction(() => store.pin(seqs[1]!, 'pinned-hash'));
    agree(store, db);
    expect(() =>
      store.transaction(() => {
        store.insert(row('rolled back'), null);
        store.insert(row('rolled back too'), null);
        expect(store.countTier('semantic')).toBe(freshTier(db, 'semantic'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    agree(store, db);
    expect(store.countTier('semantic')).toBe(2);
    db.close();
  });

  it('equals a fresh count after writes outside its transactions (autocommit, or a caller transaction that rolled back)', () => {
    const db = openDatabase(':memory:');
    const store = new MemoryStore(db);
    agree(store, db);
    store.insert(row('autocommit'), null);
    agree(store, db);
    expect(() =>
      db.transaction(() => {
        store.transaction(() => store.insert(row('inside a caller transaction'), null));
        throw new Error('caller rolls back');
      })(),
    ).toThrow('caller rolls back');
    agree(store, db);
    expect(store.countTier('semantic')).toBe(1);
    db.close();
  });

  it('sees commits of another connection (data_version)', () => {
    const dir = tempDir('maestro-memory-store-');
    dirs.push(dir);
    const a = openDatabase(join(dir, 'm.db'));
    const b = openDatabase(join(dir, 'm.db'));
    const store = new MemoryStore(a);
    store.transaction(() => store.insert(row('one'), null));
    expect(store.countTier('semantic')).toBe(1);
    new MemoryStore(b).insert(row('two'), null);
    expect(store.countTier('semantic')).toBe(2);
    a.close();
    b.close();
  });

  it('quota eviction still holds a tier at its quota through many adds', async () => {
    const t = testMemory({ quotas: { episodic: 5 } });
    for (let i = 0; i < 12; i++) await t.memory.add({ tier: 'episodic', text: `event number ${i}`, locale: 'en' });
    expect(t.memory.store.countTier('episodic')).toBe(5);
    expect(t.db.prepare("SELECT count(*) FROM memory_items WHERE tier = 'episodic'").pluck().get()).toBe(5);
  });
});

describe('MemoryStore tier stats (memory_tier_stats, kept by triggers: migration 020)', () => {
  const groupBy = (db: Db) => db.prepare('SELECT tier, count(*) AS count, sum(bytes) AS bytes FROM memory_items GROUP BY tier ORDER BY tier').all();
  const sorted = (store: MemoryStore) => [...store.stats()].sort((a, b) => a.tier.localeCompare(b.tier));

  it('equal a GROUP BY of the items after inserts, a pin, deletes, a rolled-back transaction and a direct SQL update', () => {
    const db = openDatabase(':memory:');
    const store = new MemoryStore(db);
    expect(store.stats()).toEqual([]);
    const seqs = store.transaction(() => ['a', 'bb', 'ccc', 'dddd'].map((t) => store.insert({ ...row(t), bytes: t.length }, null)));
    expect(sorted(store)).toEqual(groupBy(db));
    store.transaction(() => store.pin(seqs[1]!, 'pinned-hash'));
    store.transaction(() => store.delete(seqs[0]!));
    expect(sorted(store)).toEqual(groupBy(db));
    expect(() =>
      store.transaction(() => {
        store.insert(row('rolled back'), null);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    db.prepare("UPDATE memory_items SET tier = 'episodic', bytes = 99 WHERE seq = ?").run(seqs[2]);
    expect(sorted(store)).toEqual(groupBy(db));
    expect(sorted(store)).toEqual([
      { tier: 'core', count: 1, bytes: 2 },
      { tier: 'episodic', count: 1, bytes: 99 },
      { tier: 'semantic', count: 1, bytes: 4 },
    ]);
    store.transaction(() => seqs.slice(1).forEach((s) => store.delete(s)));
    expect(store.stats()).toEqual([]);
    db.close();
  });

  it('an upgraded version-19 profile starts with the stats of the items it holds', () => {
    const dir = tempDir('maestro-memory-store-');
    dirs.push(dir);
    const db19 = openDatabase(join(dir, 'm19.db'), { targetVersion: 19 });
    const ins = db19.prepare(
      `INSERT INTO memory_items (id, tier, text, locale, lang, source_refs, created_at, content_hash, bytes)
       VALUES (?, ?, ?, 'en', 'en', '[]', '2026-01-01T00:00:00Z', ?, ?)`,
    );
    ins.run('i1', 'semantic', 'one', 'h1', 3);
    ins.run('i2', 'episodic', 'three', 'h2', 5);
    ins.run('i3', 'episodic', 'four', 'h3', 4);
    db19.close();
    const db = openDatabase(join(dir, 'm19.db'));
    expect(sorted(new MemoryStore(db))).toEqual([
      { tier: 'episodic', count: 2, bytes: 9 },
      { tier: 'semantic', count: 1, bytes: 3 },
    ]);
    db.close();
  });
});

describe('MemoryStore full-text tail (decision 0044)', () => {
  const tail = (db: Db): number =>
    db.prepare('SELECT count(*) FROM memory_items WHERE seq > (SELECT indexed_seq FROM memory_fts_state)').pluck().get() as number;
  const integrity = (db: Db) => db.prepare("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)").run();
  const WORDS = ['valve', 'pump', 'ladder', 'flange', 'gasket', 'sensor'];

  it('search finds every item, however the tail stands, over random inserts, deletes, text changes and rollbacks', () => {
    const db = openDatabase(':memory:');
    const store = new MemoryStore(db);
    let state = 12345;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const live = new Map<number, string>();
    const text = () => Array.from({ length: 1 + rand(3) }, () => WORDS[rand(WORDS.length)]).join(' ');
    let sawTail = 0;
    for (let step = 0; step < 1500; step++) {
      const op = rand(20);
      if (op < 11) {
        const t = text();
        live.set(
          store.transaction(() => store.insert(row(t), null)),
          t,
        );
      } else if (op < 14 && live.size > 0) {
        const seqs = [...live.keys()];
        const s = seqs[rand(seqs.length)]!;
        store.transaction(() => store.delete(s));
        live.delete(s);
      } else if (op < 15 && live.size > 0) {
        // A text change (as a compaction's rewrite would make), straight in SQL: the triggers' case.
        const seqs = [...live.keys()];
        const s = seqs[rand(seqs.length)]!;
        const t = text();
        db.prepare('UPDATE memory_items SET text = ? WHERE seq = ?').run(t, s);
        live.set(s, t);
      } else if (op < 16) {
        // A write that fails after more than a tail's worth of inserts: all of it rolls back.
        expect(() =>
          store.transaction(() => {
            for (let i = 0; i < FTS_TAIL_MAX + 5; i++) store.insert(row('pump'), null);
            throw new Error('boom');
          }),
        ).toThrow('boom');
      } else {
        sawTail += tail(db) > 0 ? 1 : 0;
        const w = WORDS[rand(WORDS.length)]!;
        const want = [...live].filter(([, t]) => t.split(' ').includes(w)).map(([s]) => s);
        const got = store.fts(ftsMatchExpression([w])!, 100_000, { tiers: null, lang: null, from: null, to: null });
        expect(new Set(got)).toEqual(new Set(want));
        expect(store.termCount(ftsMatchExpression([w])!, 100_000)).toBe(want.length);
        expect(tail(db)).toBe(0);
      }
      expect(tail(db)).toBeLessThan(FTS_TAIL_MAX);
    }
    expect(sawTail).toBeGreaterThan(10); // the searches did meet a tail to write
    integrity(db);
    db.close();
  });

  it('a tail-full insert writes the tail in the add itself; a search writes what is left', () => {
    const db = openDatabase(':memory:');
    const store = new MemoryStore(db);
    for (let i = 0; i < FTS_TAIL_MAX - 1; i++) store.transaction(() => store.insert(row('gasket'), null));
    expect(tail(db)).toBe(FTS_TAIL_MAX - 1);
    store.transaction(() => store.insert(row('gasket'), null));
    expect(tail(db)).toBe(0);
    store.transaction(() => store.insert(row('gasket sensor'), null));
    expect(tail(db)).toBe(1);
    expect(store.termCount(ftsMatchExpression(['sensor'])!, 10)).toBe(1);
    expect(tail(db)).toBe(0);
    integrity(db);
    db.close();
  });
});
