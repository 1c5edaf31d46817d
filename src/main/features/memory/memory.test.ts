import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../shared/api/types';
import type { MemoryItem } from '../../../shared/memory/types';
import { ApiError } from '../../../shared/errors';
import { DEFAULT_WORKING_TTL_MS } from './service';
import { EVICT_CHUNK } from './eviction';
import { EMBED_BATCH } from './embed-behind';
import { contentHash } from './store';
import { manualClock, normalize, testMemory, wordEmbedder } from './testing';
import { hashedNgramEmbedder } from '../inference/hashed-ngram';
import type { Embedder } from './ports';

const DAY = 86_400_000;

const memoryEntries = (t: { audit: { list(f: { limit: number }): { entries: AuditEntry[] } } }) =>
  t.audit
    .list({ limit: 1000 })
    .entries.filter((e) => e.action.startsWith('memory.'))
    .reverse();

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<ApiError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(code);
    return e as ApiError;
  }
  throw new Error(`expected ${code}`);
}

describe('memory: add, get, dedupe, audit', () => {
  it('stores an item, then its vector in a batch right after; the audit entries hold ids and hashes but not the text', async () => {
    const t = testMemory();
    const item = await t.memory.add({
      tier: 'semantic',
      text: 'Patient Anna Berg is allergic to penicillin.',
      locale: 'sv-SE',
      sourceRefs: ['record:r1', 'record:r1'],
      actor: 'user:u1',
    });
    // add() returns once the item is written; its vector follows (embed-behind.ts).
    expect(item).toMatchObject({ tier: 'semantic', locale: 'sv-SE', sourceRefs: ['record:r1'], expiresAt: null, embeddingModel: null, runId: null });
    expect(item.contentHash).toBe(contentHash('semantic', 'Patient Anna Berg is allergic to penicillin.', 'sv-SE'));
    await t.memory.embedded();
    expect(t.memory.get(item.id)).toEqual({ ...item, embeddingModel: 'test-words@1' });
    const [entry, embedded, ...rest] = memoryEntries(t);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ actor: 'user:u1', action: 'memory.added', subject: item.id });
    expect(entry!.payload).toMatchObject({ tier: 'semantic', contentHash: item.contentHash, sourceRefs: ['record:r1'] });
    expect(JSON.stringify(entry!.payload)).not.toMatch(/Anna|penicillin/);
    expect(embedded).toMatchObject({
      actor: 'service:memory',
      action: 'memory.embedded',
      subject: 'test-words@1',
      payload: { from: [], to: 'test-words@1', ids: [item.id] },
    });
    expect(t.changes).toEqual([
      { id: item.id, change: 'added' },
      { id: item.id, change: 'embedded' },
    ]);
    expect(t.db.prepare('SELECT length(vec) FROM memory_vectors').pluck().get()).toBe(64 * 4);
  });

  it('embeds the adds of a burst in a few batches, and search waits for the vectors of what was added before it', async () => {
    const calls: number[] = [];
    const base = wordEmbedder();
    const counting: Embedder = { ...base, embed: (texts) => (calls.push(texts.length), base.embed(texts)) };
    const t = testMemory({ embedder: () => counting });
    const items = await Promise.all(Array.from({ length: 150 }, (_, i) => t.memory.add({ tier: 'semantic', text: `pump ${i} hums at dawn`, locale: 'en' })));
    // A search right after the adds finds the last one by its vector, not only by its words.
    const res = await t.memory.search({ text: 'pump 149 hums at dawn', limit: 1 });
    expect(res.hits[0]).toMatchObject({ item: { id: items[149]!.id }, vectorRank: 1 });
    expect(calls.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(150);
    expect(calls.length).toBeLessThanOrEqual(8);
    expect(t.db.prepare('SELECT count(*) FROM memory_items WHERE embedding_model IS NULL').pluck().get()).toBe(0);
  });

  it('an inline embedder (hashed n-grams) writes the vector with the item: no batch, no memory.embedded entry', async () => {
    const t = testMemory({ embedder: () => hashedNgramEmbedder(64) });
    const item = await t.memory.add({ tier: 'semantic', text: 'Hydrant H-4 is painted red.', locale: 'en' });
    expect(item.embeddingModel).toBe('hashed-ngram@1');
    expect(t.db.prepare('SELECT count(*) FROM memory_vectors').pluck().get()).toBe(1);
    await t.memory.embedded();
    expect(memoryEntries(t).map((e) => e.action)).toEqual(['memory.added']);
    expect(t.changes).toEqual([{ id: item.id, change: 'added' }]);
  });

  it('back-pressure: with a slow model, 300 adds at once each finish, in batches of at most EMBED_BATCH', async () => {
    const calls: number[] = [];
    const base = wordEmbedder();
    const slow: Embedder = { ...base, embed: async (texts) => (calls.push(texts.length), await new Promise((r) => setTimeout(r, 3)), base.embed(texts)) };
    const t = testMemory({ embedder: () => slow });
    const items = await Promise.all(Array.from({ length: 300 }, (_, i) => t.memory.add({ tier: 'semantic', text: `gauge ${i} reads low`, locale: 'en' })));
    expect(new Set(items.map((i) => i.id)).size).toBe(300);
    await t.memory.embedded();
    expect(Math.max(...calls)).toBeLessThanOrEqual(EMBED_BATCH);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(300);
    expect(t.db.prepare('SELECT count(*) FROM memory_items WHERE embedding_model IS NULL').pluck().get()).toBe(0);
  });

  it('concurrent adds of the same texts, held up by back-pressure, store each text once and all get its item', async () => {
    const base = wordEmbedder();
    const slow: Embedder = { ...base, embed: async (texts) => (await new Promise((r) => setTimeout(r, 2)), base.embed(texts)) };
    const t = testMemory({ embedder: () => slow });
    // 4 waves of the same 100 texts at once: past EMBED_BATCH waiting, so adds await room between
    // their first lookup and their write, and a duplicate can land in between.
    const texts = Array.from({ length: 100 }, (_, i) => `valve ${i % 100} drips slowly`);
    const items = await Promise.all([...texts, ...texts, ...texts, ...texts].map((text) => t.memory.add({ tier: 'semantic', text, locale: 'en' })));
    await t.memory.embedded();
    expect(t.db.prepare('SELECT count(*) FROM memory_items').pluck().get()).toBe(100);
    for (let i = 0; i < 100; i++) expect(new Set([0, 100, 200, 300].map((w) => items[w + i]!.id)).size).toBe(1);
    // An item added afterwards by another path is seen by the next add of its text.
    const again = await t.memory.add({ tier: 'semantic', text: texts[7]!, locale: 'en' });
    expect(again.id).toBe(items[7]!.id);
  });

  it('dedupes by content hash per tier: the same text twice gives the existing item, another tier a new one', async () => {
    const t = testMemory();
    const a = await t.memory.add({ tier: 'semantic', text: 'Valve V-12 sticks when cold.', locale: 'en' });
    const b = await t.memory.add({ tier: 'semantic', text: 'Valve V-12 sticks when cold.', locale: 'en' });
    const c = await t.memory.add({ tier: 'procedural', text: 'Valve V-12 sticks when cold.', locale: 'en' });
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    expect(memoryEntries(t).map((e) => e.action)).toEqual(['memory.added', 'memory.added']);
  });

  it('refuses bad input with VALIDATION_ERROR and unknown ids with NOT_FOUND', async () => {
    const t = testMemory();
    await rejects(t.memory.add({ tier: 'semantic', text: '   ', locale: 'en' }), 'VALIDATION_ERROR');
    await rejects(t.memory.add({ tier: 'semantic', text: 'x', locale: 'english!' }), 'VALIDATION_ERROR');
    await rejects(t.memory.add({ tier: 'nope' as 'core', text: 'x', locale: 'en' }), 'VALIDATION_ERROR');
    await rejects(t.memory.add({ tier: 'core', text: 'x', locale: 'en', ttlMs: 1000 }), 'VALIDATION_ERROR');
    await rejects(t.memory.add({ tier: 'working', text: 'x', locale: 'en', ttlMs: -1 }), 'VALIDATION_ERROR');
    await rejects(t.memory.add({ tier: 'semantic', text: 'bad \ud800 surrogate', locale: 'en' }), 'VALIDATION_ERROR');
    await rejects(() => t.memory.get('missing'), 'NOT_FOUND');
    await rejects(() => t.memory.delete('missing', 'why', 'user:u'), 'NOT_FOUND');
    await rejects(() => t.memory.pin('missing'), 'NOT_FOUND');
    expect(memoryEntries(t)).toEqual([]);
  });

  it('a failing write leaves no audit entry, and a failing audit append leaves no write', async () => {
    const t = testMemory();
    t.db.exec("CREATE TEMP TRIGGER fail_item BEFORE INSERT ON memory_items BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    await expect(t.memory.add({ tier: 'semantic', text: 'never stored', locale: 'en' })).rejects.toThrow(/disk says no/);
    expect(t.db.prepare('SELECT count(*) FROM memory_items').pluck().get()).toBe(0);
    expect(memoryEntries(t)).toEqual([]);
    t.db.exec('DROP TRIGGER fail_item');

    // A vector that cannot be written (after add() returned): the item stays, without a vector, and
    // no memory.embedded entry is written.
    t.db.exec("CREATE TEMP TRIGGER fail_vec BEFORE INSERT ON memory_vectors BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    const item = await t.memory.add({ tier: 'semantic', text: 'kept', locale: 'en' });
    await t.memory.embedded();
    expect(t.memory.get(item.id).embeddingModel).toBeNull();
    expect(t.db.prepare('SELECT count(*) FROM memory_vectors').pluck().get()).toBe(0);
    t.db.exec('DROP TRIGGER fail_vec');
    t.db.exec(
      "CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.action IN ('memory.deleted', 'memory.pinned') BEGIN SELECT RAISE(ABORT, 'audit down'); END",
    );
    expect(() => t.memory.delete(item.id, 'cleanup', 'user:u')).toThrow(/audit down/);
    expect(() => t.memory.pin(item.id)).toThrow(/audit down/);
    expect(t.memory.get(item.id)).toEqual(item);
    await expect(t.memory.search({ text: 'kept' })).resolves.toMatchObject({ hits: [{ item: { id: item.id, tier: 'semantic' } }] });
    expect(memoryEntries(t).map((e) => e.action)).toEqual(['memory.added']);
  });
});

describe('memory: pin, delete, TTL', () => {
  it('pins to core (no expiry, audited, re-hashed); pinning again changes nothing', async () => {
    const t = testMemory();
    const w = await t.memory.add({ tier: 'working', text: 'The site gate code changed today.', locale: 'en', runId: 'run-1' });
    expect(w.expiresAt).not.toBeNull();
    const p = t.memory.pin(w.id, 'user:u1');
    expect(p).toMatchObject({ id: w.id, tier: 'core', expiresAt: null, contentHash: contentHash('core', w.text, 'en') });
    expect(t.memory.pin(w.id)).toEqual(p);
    expect(t.memory.coreContext()).toEqual([p]);
    const pinned = memoryEntries(t).filter((e) => e.action === 'memory.pinned');
    expect(pinned).toHaveLength(1);
    expect(pinned[0]).toMatchObject({ actor: 'user:u1', subject: w.id, payload: { fromTier: 'working', previousHash: w.contentHash } });
    expect(t.changes.at(-1)).toEqual({ id: w.id, change: 'pinned' });
  });

  it('deletes with a reason and an actor, in the audit log', async () => {
    const t = testMemory();
    const item = await t.memory.add({ tier: 'episodic', text: 'Inspection of bridge 4 found corrosion.', locale: 'en' });
    await rejects(() => t.memory.delete(item.id, '  ', 'user:u1'), 'VALIDATION_ERROR');
    expect(t.memory.delete(item.id, 'Wrong bridge', 'user:u1')).toEqual({ deleted: true });
    await rejects(() => t.memory.get(item.id), 'NOT_FOUND');
    expect(t.db.prepare('SELECT count(*) FROM memory_vectors').pluck().get()).toBe(0);
    expect(t.db.prepare("SELECT count(*) FROM memory_fts WHERE memory_fts MATCH 'corrosion'").pluck().get()).toBe(0);
    const del = memoryEntries(t).at(-1)!;
    expect(del).toMatchObject({
      action: 'memory.deleted',
      actor: 'user:u1',
      subject: item.id,
      payload: { reason: 'Wrong bridge', tier: 'episodic', contentHash: item.contentHash },
    });
  });

  it('expires working items after their TTL (default 24 h), audited; search never returns an expired item', async () => {
    const clock = manualClock();
    const t = testMemory({ clock });
    const a = await t.memory.add({ tier: 'working', text: 'scratch alpha note', locale: 'en', runId: 'r1' });
    const b = await t.memory.add({ tier: 'semantic', text: 'lasting alpha fact', locale: 'en', ttlMs: 2 * DAY });
    const c = await t.memory.add({ tier: 'semantic', text: 'permanent alpha fact', locale: 'en' });
    expect(Date.parse(a.expiresAt!) - Date.parse(a.createdAt)).toBe(DEFAULT_WORKING_TTL_MS);
    clock.advance(DAY + 1);
    expect((await t.memory.search({ text: 'alpha' })).hits.map((h) => h.item.id).sort()).toEqual([b.id, c.id].sort());
    expect(t.memory.expire()).toEqual({ expired: 1 });
    clock.advance(DAY);
    expect(t.memory.expire()).toEqual({ expired: 1 });
    expect(t.memory.expire()).toEqual({ expired: 0 });
    expect(t.memory.get(c.id).id).toBe(c.id);
    const expired = memoryEntries(t).filter((e) => e.action === 'memory.expired');
    expect(expired.map((e) => e.subject)).toEqual([a.id, b.id]);
    // The same text after expiry is a new item.
    const again = await t.memory.add({ tier: 'working', text: 'scratch alpha note', locale: 'en', runId: 'r1' });
    expect(again.id).not.toBe(a.id);
  });
});

describe('memory: quotas, compaction, eviction', () => {
  it('working over quota: the oldest are summarised into one episodic item per run and one semantic item, sourceRefs kept', async () => {
    const seen: string[][] = [];
    const t = testMemory({ quotas: { working: 4 }, summarize: (texts) => (seen.push(texts), `Summary of ${texts.length} notes.`) });
    const add = (text: string, runId: string | undefined, ref: string) => t.memory.add({ tier: 'working', text, locale: 'en', runId, sourceRefs: [ref] });
    const r1a = await add('run one first note', 'run-1', 'record:a');
    const r1b = await add('run one second note', 'run-1', 'record:b');
    const free = await add('a note outside any run', undefined, 'card:c');
    await add('run two note', 'run-2', 'record:d');
    expect(t.memory.stats().tiers.working.count).toBe(4);
    await add('run two other note', 'run-2', 'record:e'); // 5 > 4: compact down to 3 (75 %), the oldest 2
    const working = t.db.prepare("SELECT id FROM memory_items WHERE tier = 'working' ORDER BY seq").pluck().all();
    expect(working).toHaveLength(3);
    expect(working).not.toContain(r1a.id);
    expect(working).not.toContain(r1b.id);
    expect(working).toContain(free.id);
    const [episodic] = t.db.prepare("SELECT id FROM memory_items WHERE tier = 'episodic'").pluck().all() as string[];
    const summary = t.memory.get(episodic!);
    expect(summary).toMatchObject({ tier: 'episodic', text: 'Summary of 2 notes.', runId: 'run-1', expiresAt: null });
    expect(summary.sourceRefs.sort()).toEqual(['record:a', 'record:b', 'run:run-1']);
    expect(seen).toEqual([['run one first note', 'run one second note']]);
    const compacted = memoryEntries(t).filter((e) => e.action === 'memory.compacted');
    expect(compacted).toHaveLength(1);
    expect(compacted[0]).toMatchObject({ subject: summary.id, payload: { tier: 'episodic', sourceIds: [r1a.id, r1b.id], runId: 'run-1' } });
    expect(
      t.changes
        .filter((c) => c.change === 'compacted')
        .map((c) => c.id)
        .sort(),
    ).toEqual([r1a.id, r1b.id, summary.id].sort());

    // Items without a run become one semantic item.
    await t.memory.add({ tier: 'working', text: 'later note', locale: 'en', runId: 'run-3' });
    await t.memory.add({ tier: 'working', text: 'latest note', locale: 'en', runId: 'run-3' });
    const semantic = t.db.prepare("SELECT id FROM memory_items WHERE tier = 'semantic'").pluck().all() as string[];
    expect(semantic).toHaveLength(1);
    expect(t.memory.get(semantic[0]!)).toMatchObject({ runId: null, sourceRefs: ['card:c'] });
  });

  it('evicts the oldest items over a tier quota, audited, and never touches core', async () => {
    const clock = manualClock();
    const t = testMemory({ clock, quotas: { core: 3, semantic: 3 } });
    const core: MemoryItem[] = [];
    for (let i = 0; i < 3; i++) {
      core.push(await t.memory.add({ tier: 'core', text: `core fact ${i}`, locale: 'en' }));
      clock.advance(1000);
    }
    const sem: MemoryItem[] = [];
    for (let i = 0; i < 6; i++) {
      sem.push(await t.memory.add({ tier: 'semantic', text: `semantic fact ${i}`, locale: 'en' }));
      clock.advance(1000);
    }
    expect(t.memory.stats().tiers).toMatchObject({ core: { count: 3, quota: 3 }, semantic: { count: 3, quota: 3 } });
    expect(t.db.prepare("SELECT text FROM memory_items WHERE tier = 'semantic' ORDER BY seq").pluck().all()).toEqual([
      'semantic fact 3',
      'semantic fact 4',
      'semantic fact 5',
    ]);
    const evicted = memoryEntries(t).filter((e) => e.action === 'memory.evicted');
    expect(evicted.map((e) => e.subject)).toEqual(sem.slice(0, 3).map((s) => s.id));
    expect(evicted[0]!.payload).toMatchObject({ reason: 'quota', quota: 3, tier: 'semantic' });
    expect(t.memory.coreContext().map((c) => c.id)).toEqual(core.map((c) => c.id));
    // A full core refuses instead of evicting, for adds and pins alike.
    const e = await rejects(t.memory.add({ tier: 'core', text: 'one too many', locale: 'en' }), 'CONFLICT');
    expect(e.details).toMatchObject({ reason: 'core_full', quota: 3 });
    await rejects(() => t.memory.pin(sem[5]!.id), 'CONFLICT');
    expect(t.memory.coreContext()).toHaveLength(3);
  });

  it('a tier far over its quota (an import) is brought down a chunk at a time: the add evicts one chunk, a background drain the rest', async () => {
    const clock = manualClock(Date.parse('2027-01-01T00:00:00Z'));
    const t = testMemory({ clock, quotas: { semantic: 100 } });
    const n = 100 + 2 * EVICT_CHUNK + 50;
    const e = wordEmbedder();
    const items = Array.from({ length: n }, (_, i) => ({
      tier: 'semantic' as const,
      text: `imported fact ${i}`,
      locale: 'en',
      vector: normalize(Float32Array.from({ length: e.dimension }, (_, j) => ((i + j) % 7) - 3)),
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    }));
    t.memory.importMany(items, { id: e.id, dimension: e.dimension });
    const semanticCount = () => t.db.prepare("SELECT count(*) FROM memory_items WHERE tier = 'semantic'").pluck().get() as number;
    const added = await t.memory.add({ tier: 'semantic', text: 'a new fact', locale: 'en' });
    // The add's own transaction evicted one chunk, the oldest, and returned.
    expect(semanticCount()).toBe(n + 1 - EVICT_CHUNK);
    let turns = 0;
    while (semanticCount() > 100 && turns < 100) {
      await new Promise((r) => setImmediate(r));
      turns++;
    }
    expect(semanticCount()).toBe(100);
    expect(turns).toBeGreaterThanOrEqual(2); // at least two more chunks, each in its own turn
    expect(t.memory.stats().tiers.semantic).toMatchObject({ count: 100, quota: 100 });
    const kept = t.db.prepare("SELECT text FROM memory_items WHERE tier = 'semantic' ORDER BY created_at, seq").pluck().all() as string[];
    expect(kept.at(-1)).toBe('a new fact');
    expect(kept[0]).toBe(`imported fact ${n - 99}`);
    expect(t.memory.get(added.id).id).toBe(added.id);
    // One audit entry per evicted item, the chain intact; one change event each; the vectors gone with them.
    const evicted = t.audit.list({ action: 'memory.evicted', limit: 1000 }).entries;
    expect(evicted).toHaveLength(n + 1 - 100);
    expect(evicted[0]!.payload).toMatchObject({ reason: 'quota', quota: 100, tier: 'semantic' });
    expect(t.changes.filter((c) => c.change === 'evicted')).toHaveLength(n + 1 - 100);
    expect(t.audit.verify().valid).toBe(true);
    const hits = await t.memory.search({ text: 'imported fact 3', limit: 10 });
    expect(hits.hits.map((h) => h.item.text)).not.toContain('imported fact 3');
  });

  it('compacting a tier into episodic evicts over the episodic quota but leaves core alone', async () => {
    // Working quota 2: the third working item compacts the oldest two (down to 75 % of 2 = 1 item).
    const t = testMemory({ quotas: { working: 2, episodic: 1, core: 5 } });
    const pinned = await t.memory.add({ tier: 'core', text: 'always remember this', locale: 'en' });
    await t.memory.add({ tier: 'episodic', text: 'old episode', locale: 'en' });
    await t.memory.add({ tier: 'working', text: 'first scratch', locale: 'en', runId: 'r' });
    await t.memory.add({ tier: 'working', text: 'second scratch', locale: 'en', runId: 'r' });
    await t.memory.add({ tier: 'working', text: 'third scratch', locale: 'en', runId: 'r' });
    const tiers = t.db.prepare('SELECT tier, text FROM memory_items ORDER BY seq').all();
    expect(tiers).toEqual([
      { tier: 'core', text: 'always remember this' },
      { tier: 'working', text: 'third scratch' },
      { tier: 'episodic', text: 'first scratch second scratch' }, // the default summariser: first sentences
    ]);
    expect(t.memory.coreContext().map((c) => c.id)).toEqual([pinned.id]);
    expect(memoryEntries(t).map((e) => e.action)).toEqual([
      'memory.added',
      'memory.added',
      'memory.added',
      'memory.added',
      'memory.added',
      'memory.compacted',
      'memory.evicted',
    ]);
  });
});

describe('memory: hybrid search', () => {
  it('fuses vector and text ranks, reports both, the model and the duration', async () => {
    const t = testMemory();
    const pump = await t.memory.add({ tier: 'semantic', text: 'The pump pressure dropped after the valve was replaced.', locale: 'en' });
    await t.memory.add({ tier: 'semantic', text: 'Lunch was served at noon.', locale: 'en' });
    const r = await t.memory.search({ text: 'pump pressure' });
    expect(r.embeddingModel).toBe('test-words@1');
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.hits[0]).toMatchObject({ item: { id: pump.id }, vectorRank: 1, textRank: 1 });
    expect(r.hits[0]!.score).toBeCloseTo((2 / 61) * 1.0, 9);
  });

  it('finds by meaning alone (vector) and by words alone (text); an item in both lists ranks above one in a single list', async () => {
    const q = normalize(Float32Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : 0)));
    const near = normalize(Float32Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : i === 1 ? 0.1 : 0)));
    const far = normalize(Float32Array.from({ length: 64 }, (_, i) => (i === 5 ? 1 : 0)));
    const overrides = new Map([
      ['zebra crossing', q],
      ['A pedestrian path painted in stripes.', near],
      ['The zebra at the zoo.', far],
      ['Zebra crossing near the school.', near],
    ]);
    const e = wordEmbedder({ overrides });
    const t = testMemory({ embedder: () => e });
    const semantic = await t.memory.add({ tier: 'semantic', text: 'A pedestrian path painted in stripes.', locale: 'en' });
    const lexical = await t.memory.add({ tier: 'semantic', text: 'The zebra at the zoo.', locale: 'en' });
    const both = await t.memory.add({ tier: 'semantic', text: 'Zebra crossing near the school.', locale: 'en' });
    const r = await t.memory.search({ text: 'zebra crossing' });
    // Three items: all are in the vector list (lexical last, orthogonal to the query), two in the text list.
    expect(r.hits.map((h) => [h.item.id, h.vectorRank, h.textRank])).toEqual([
      [both.id, 1, 1],
      [lexical.id, 3, 2],
      [semantic.id, 2, null],
    ]);
  });

  it('a word that matches nothing finds nothing (the vector list alone needs a close item)', async () => {
    const e = hashedNgramEmbedder(384);
    const t = testMemory({ embedder: () => e });
    const pump = await t.memory.add({ tier: 'semantic', text: 'Pump station 4: pressure dropped to 2.1 bar after the valve was replaced.', locale: 'en' });
    await t.memory.add({ tier: 'semantic', text: 'Bridge inspection RPT-2026-103: corrosion on the north girder, severity high.', locale: 'en' });
    await t.memory.add({ tier: 'episodic', text: 'Weather at the dam was windy with light rain.', locale: 'en' });
    expect((await t.memory.search({ text: 'xylophone' })).hits).toEqual([]);
    expect((await t.memory.search({ text: 'banana smoothie recipe' })).hits).toEqual([]);
    expect((await t.memory.search({ text: 'pump pressure' })).hits[0]?.item.id).toBe(pump.id);
  });

  it('weights tiers: core above working for the same match', async () => {
    const t = testMemory();
    const w = await t.memory.add({ tier: 'working', text: 'gate code 4471', locale: 'en' });
    const c = await t.memory.add({ tier: 'core', text: 'gate code 4471', locale: 'en' });
    const r = await t.memory.search({ text: 'gate code 4471' });
    expect(r.hits.map((h) => h.item.id)).toEqual([c.id, w.id]);
    expect(r.hits[0]!.score / r.hits[1]!.score).toBeCloseTo(1.3 / 0.8, 1);
  });

  it('filters by tier, locale (primary tag prefix) and time range', async () => {
    const clock = manualClock(Date.parse('2026-03-01T00:00:00Z'));
    const t = testMemory({ clock });
    const en = await t.memory.add({ tier: 'semantic', text: 'boiler maintenance schedule', locale: 'en-GB' });
    clock.advance(10 * DAY);
    const sv = await t.memory.add({ tier: 'semantic', text: 'boiler maintenance schema', locale: 'sv' });
    clock.advance(10 * DAY);
    const proc = await t.memory.add({ tier: 'procedural', text: 'boiler maintenance steps', locale: 'en' });
    const ids = async (q: Parameters<typeof t.memory.search>[0]) => (await t.memory.search(q)).hits.map((h) => h.item.id).sort();
    expect(await ids({ text: 'boiler maintenance' })).toEqual([en.id, sv.id, proc.id].sort());
    expect(await ids({ text: 'boiler maintenance', tiers: ['procedural'] })).toEqual([proc.id]);
    expect(await ids({ text: 'boiler maintenance', locale: 'en' })).toEqual([en.id, proc.id].sort());
    expect(await ids({ text: 'boiler maintenance', locale: 'en-US' })).toEqual([en.id, proc.id].sort());
    expect(await ids({ text: 'boiler maintenance', locale: 'sv-FI' })).toEqual([sv.id]);
    expect(await ids({ text: 'boiler maintenance', from: sv.createdAt })).toEqual([sv.id, proc.id].sort());
    expect(await ids({ text: 'boiler maintenance', to: sv.createdAt })).toEqual([en.id, sv.id].sort());
    expect(await ids({ text: 'boiler maintenance', from: '2026-03-05T00:00:00+01:00', to: '2026-03-15T00:00:00Z' })).toEqual([sv.id]);
    expect(await ids({ text: 'boiler', limit: 1 })).toHaveLength(1);
    await rejects(t.memory.search({ text: 'x', limit: 51 }), 'VALIDATION_ERROR');
    await rejects(t.memory.search({ text: 'x', from: 'yesterday' }), 'VALIDATION_ERROR');
  });

  it('treats FTS syntax and SQL in the query as plain words', async () => {
    const t = testMemory();
    const a = await t.memory.add({ tier: 'semantic', text: 'NEAR the text column: drop table memory', locale: 'en' });
    for (const q of ['text: NEAR(drop table)', '"); DROP TABLE memory_items; --', 'drop* OR ^table AND NOT', '{text} : memory']) {
      const r = await t.memory.search({ text: q });
      expect(r.hits.map((h) => h.item.id)).toContain(a.id);
    }
    expect(t.db.prepare('SELECT count(*) FROM memory_items').pluck().get()).toBe(1);
  });

  it('still ranks when every query word is very common (only the newest window is ranked)', async () => {
    const t = testMemory();
    const items = [];
    for (let i = 0; i < 30; i++)
      items.push({
        tier: 'semantic' as const,
        text: `the report number ${i}`,
        locale: 'en',
        vector: normalize(Float32Array.from({ length: 64 }, (_, j) => Math.sin(i + j))),
      });
    t.memory.importMany(items, { id: 'test-words@1', dimension: 64 });
    const r = await t.memory.search({ text: 'the report', limit: 5 });
    expect(r.hits).toHaveLength(5);
    expect(memoryEntries(t).map((e) => [e.action, (e.payload as { count: number }).count])).toEqual([['memory.imported', 30]]);
  });
});

describe('memory: re-embedding and stats', () => {
  it('re-embeds items made by another model, moves them to its index and drops the old one', async () => {
    let current = wordEmbedder({ id: 'old-model@1', dimension: 32 });
    const t = testMemory({ embedder: () => current });
    const a = await t.memory.add({ tier: 'semantic', text: 'compressor oil level', locale: 'en' });
    await t.memory.add({ tier: 'semantic', text: 'check the compressor weekly', locale: 'en' });
    await t.memory.embedded();
    expect(t.db.prepare('SELECT model, dimension FROM memory_vector_indexes').all()).toEqual([{ model: 'old-model@1', dimension: 32 }]);
    current = wordEmbedder({ id: 'new-model@2', dimension: 48 });
    // Before re-embedding the new model has no vectors: text search still finds the item.
    expect((await t.memory.search({ text: 'compressor oil' })).hits[0]).toMatchObject({ item: { id: a.id }, vectorRank: null, textRank: 1 });
    const r = await t.memory.reembed({ batch: 1 });
    expect(r).toMatchObject({ reembedded: 2, embeddingModel: 'new-model@2', droppedIndexes: [expect.stringMatching(/^memory_vec_/)] });
    expect(t.db.prepare('SELECT model, dimension FROM memory_vector_indexes').all()).toEqual([{ model: 'new-model@2', dimension: 48 }]);
    expect(t.memory.get(a.id).embeddingModel).toBe('new-model@2');
    expect(t.db.prepare('SELECT DISTINCT length(vec) FROM memory_vectors').pluck().all()).toEqual([48 * 4]);
    expect((await t.memory.search({ text: 'compressor oil' })).hits[0]).toMatchObject({ item: { id: a.id }, vectorRank: 1, textRank: 1 });
    expect(memoryEntries(t).filter((e) => e.action === 'memory.reembedded')).toHaveLength(2);
    expect(await t.memory.reembed()).toMatchObject({ reembedded: 0, droppedIndexes: [] });
  });

  it('stores an item without a vector when embedding fails, and reembed() fills it in', async () => {
    let fail = true;
    const inner = wordEmbedder();
    const flaky = { id: inner.id, dimension: inner.dimension, embed: (x: string[]) => (fail ? Promise.reject(new Error('model not ready')) : inner.embed(x)) };
    const t = testMemory({ embedder: () => flaky });
    const a = await t.memory.add({ tier: 'semantic', text: 'turbine blade crack', locale: 'en' });
    expect(a.embeddingModel).toBeNull();
    expect((await t.memory.search({ text: 'turbine' })).hits.map((h) => h.item.id)).toEqual([a.id]);
    fail = false;
    expect(await t.memory.reembed()).toMatchObject({ reembedded: 1 });
    expect((await t.memory.search({ text: 'blade' })).hits[0]).toMatchObject({ item: { id: a.id }, vectorRank: 1 });
  });

  it('reports count, quota and bytes per tier', async () => {
    const t = testMemory({ quotas: { procedural: null } });
    await t.memory.add({ tier: 'semantic', text: 'åäö', locale: 'sv' });
    const s = t.memory.stats();
    expect(s.embeddingModel).toBe('test-words@1');
    expect(s.tiers.semantic).toEqual({ count: 1, quota: 50_000, bytes: 6 });
    expect(s.tiers.procedural).toEqual({ count: 0, quota: null, bytes: 0 });
  });
});
