// Tiered memory: rules (quotas, TTL, compaction, eviction, dedupe), audit, hybrid search.
//
// Every write (add, pin, delete, expiry, compaction, eviction, re-embedding, import) appends its
// audit entry in the same SQLite transaction as the write: both happen or neither. Audit payloads
// carry ids, tiers, hashes and counts, never the item text. Embedding (async) happens before the
// transaction opens, so a transaction never spans an await.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import type { EventBus } from '../../platform/events';
import type { Embedder } from '../inference/api';
import { silentLogger, type Logger } from '../../platform/util/logger';
import { newUlid } from '../../platform/util/ulid';
import { ApiError } from '../../../shared/errors';
import { CanonicalJsonError, assertWellFormed } from '../../../shared/canonical';
import { LOCALE_PATTERN } from '../../../shared/memory/schemas';
import {
  MEMORY_TIERS,
  type MemoryHit,
  type MemoryItem,
  type MemorySearchQuery,
  type MemorySearchResult,
  type MemoryStats,
  type MemoryTier,
} from '../../../shared/memory/types';
import type { Events } from '../../../shared/api/types';
import { DEFAULT_FUSION, ftsMatchExpression, fuse, primaryTag, queryTerms, type FusionOptions } from './ranking';
import { contentHash, MemoryStore, toItem, type ItemRow, type NewItemRow } from './store';
import { DEFAULT_TUNING, vecBuffer, VectorIndexes, type VectorFilter, type VectorTuning } from './vector-index';
import { loadSqliteVec } from './sqlite-vec';

/** Items per tier before compaction (working) or eviction (the rest); null: unbounded. Core is never evicted: a full core refuses. */
export const DEFAULT_QUOTAS: Readonly<Record<MemoryTier, number | null>> = { core: 32, working: 200, episodic: 10_000, semantic: 50_000, procedural: 2_000 };
/** Working items expire after this unless the caller gives a TTL. */
export const DEFAULT_WORKING_TTL_MS = 24 * 3_600_000;
/** Compaction brings the working tier down to this share of its quota (so it does not run on every add). */
export const COMPACT_TO = 0.75;
/** Search list length: each of the vector and text lists holds this many candidates for fusion. */
export const listLength = (limit: number): number => Math.min(100, Math.max(20, 2 * limit));
/** A query term matching more documents than this is too common to rank (like a stop word) and is left out. */
export const commonTermCutoff = (items: number): number => Math.max(2_000, Math.floor(items * 0.02));
/** When every term is that common, BM25 ranks only the newest this-many items. */
export const COMMON_ONLY_WINDOW = 50_000;

const SERVICE_ACTOR = 'service:memory';
const MAX_TEXT = 20_000;
const MAX_REFS = 200;

type Change = Events['memory.changed'];

export interface MemoryServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  events?: EventBus;
  /** The current embedder (the inference service's: a model's, or the hashed n-gram fallback). */
  embedder: () => Embedder;
  /** Summarises the working items compaction folds into one episodic / semantic item. */
  summarize?: (texts: string[]) => string;
  quotas?: Partial<Record<MemoryTier, number | null>>;
  logger?: Logger;
  tuning?: Partial<VectorTuning>;
  fusion?: Partial<FusionOptions>;
}

export interface MemoryAddInput {
  tier: MemoryTier;
  text: string;
  /** BCP-47. */
  locale: string;
  sourceRefs?: string[];
  runId?: string;
  /** Time to live; working items default to DEFAULT_WORKING_TTL_MS; core items never expire. */
  ttlMs?: number;
  /** Audit actor (default `service:memory`). */
  actor?: string;
}

/** Bulk import (benchmarks, restoring an export): vectors given, one transaction, one audit entry, no quotas. */
export interface MemoryImportItem {
  tier: MemoryTier;
  text: string;
  locale: string;
  sourceRefs?: string[];
  runId?: string | null;
  createdAt?: string;
  expiresAt?: string | null;
  vector: Float32Array;
}

export interface CompactResult {
  /** The episodic / semantic items written. */
  summaries: MemoryItem[];
  /** Working items folded into them. */
  compacted: number;
}

export interface MemoryService {
  /** Embed and store. The same {tier, text, locale} twice gives the existing item. CONFLICT when core is full. */
  add(input: MemoryAddInput): Promise<MemoryItem>;
  /** NOT_FOUND when absent. */
  get(id: string): MemoryItem;
  /** Move to core (no expiry). Already core: unchanged; the same text already in core: that item. CONFLICT when core is full. */
  pin(id: string, actor?: string): MemoryItem;
  /** Delete with a reason (audited). NOT_FOUND when absent. */
  delete(id: string, reason: string, actor: string): { deleted: true };
  search(query: MemorySearchQuery): Promise<MemorySearchResult>;
  /** Every core item, oldest first: what goes into every context. */
  coreContext(): MemoryItem[];
  stats(): MemoryStats;
  /** Fold the oldest working items into summaries when the working tier is over quota (also run by add). */
  compact(): Promise<CompactResult>;
  /** Delete items whose TTL has passed. */
  expire(): { expired: number };
  /** Re-embed every item not embedded by the current embedder; drops the indexes no item uses after. */
  reembed(opts?: { batch?: number }): Promise<{ reembedded: number; embeddingModel: string; droppedIndexes: string[] }>;
  importMany(items: MemoryImportItem[], model: { id: string; dimension: number }, actor?: string): { imported: number; skipped: number };
  /** The vector indexes (bench and tests: KNN and the exact reference). */
  readonly vectors: VectorIndexes;
  readonly store: MemoryStore;
}

const invalid = (message: string, details?: unknown) => new ApiError('VALIDATION_ERROR', message, details);
const localeRe = new RegExp(LOCALE_PATTERN);

function checkText(text: unknown, field: string, max: number): string {
  if (typeof text !== 'string' || !/\S/u.test(text)) throw invalid(`${field} must be a non-empty string`);
  if (text.length > max) throw invalid(`${field} is longer than ${max} characters`);
  try {
    assertWellFormed(text, field);
  } catch (e) {
    if (e instanceof CanonicalJsonError) throw invalid(`${field} is not well-formed Unicode`);
    throw e;
  }
  return text;
}

function checkLocale(locale: unknown): string {
  if (typeof locale !== 'string' || locale.length > 35 || !localeRe.test(locale)) throw invalid('locale must be a BCP-47 tag such as en, sv or fr-CA');
  return locale;
}

function checkTier(tier: unknown): MemoryTier {
  if (!(MEMORY_TIERS as readonly unknown[]).includes(tier)) throw invalid(`tier must be one of ${MEMORY_TIERS.join(', ')}`);
  return tier as MemoryTier;
}

function checkRefs(refs: unknown): string[] {
  if (refs === undefined) return [];
  if (!Array.isArray(refs) || refs.length > MAX_REFS) throw invalid(`sourceRefs must be an array of at most ${MAX_REFS} strings`);
  return [...new Set(refs.map((r) => checkText(r, 'sourceRefs[]', 200)))];
}

function checkIso(v: unknown, field: string): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${field} must be an ISO date-time`);
  return new Date(ms).toISOString();
}

async function embedOne(e: Embedder, text: string): Promise<Float32Array> {
  const [v] = await e.embed([text]);
  if (!(v instanceof Float32Array) || v.length !== e.dimension) throw new Error(`embedder ${e.id} returned no ${e.dimension}-dimension vector`);
  return v;
}

/** The first sentence of each text (at most 240 characters each), de-duplicated, joined. */
export function defaultSummarize(texts: string[]): string {
  const firsts = texts.map((t) => {
    const s = t.trim().replace(/\s+/gu, ' ');
    const m = /^(.{1,240}?[.!?])(?:\s|$)/u.exec(s);
    return m ? m[1]! : s.slice(0, 240);
  });
  return [...new Set(firsts.filter((s) => s.length > 0))].join(' ').slice(0, 4_000);
}

function mostCommon(xs: string[]): string {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

export function createMemoryService(deps: MemoryServiceDeps): MemoryService {
  const { db, clock, audit } = deps;
  const logger = deps.logger ?? silentLogger;
  const quotas: Record<MemoryTier, number | null> = { ...DEFAULT_QUOTAS, ...deps.quotas };
  const tuning: VectorTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const fusion: FusionOptions = { ...DEFAULT_FUSION, ...deps.fusion };
  const summarize = deps.summarize ?? defaultSummarize;
  const vec = loadSqliteVec(db);
  if (!vec.ok) logger.warn('memory: sqlite-vec not loaded; vector search is an exact scan', { code: 'MEMORY_VEC_UNAVAILABLE', error: vec.error });
  const store = new MemoryStore(db);
  const vectors = new VectorIndexes(db, vec.ok);
  const nowIso = () => clock.now().toISOString();
  const emit = (changes: Change[]) => {
    for (const c of changes) deps.events?.emit('memory.changed', c);
  };
  const isExpired = (r: ItemRow, iso: string) => r.expires_at !== null && r.expires_at <= iso;
  const mustGet = (id: string): ItemRow => {
    const r = typeof id === 'string' ? store.byId(id) : undefined;
    if (!r) throw new ApiError('NOT_FOUND', 'no such memory item', { id });
    return r;
  };
  const coreFull = () =>
    new ApiError('CONFLICT', `core memory is full (${quotas.core} items): unpin or delete one first`, { reason: 'core_full', quota: quotas.core });
  const coreHasRoom = () => quotas.core === null || store.countTier('core') < quotas.core;

  /** Remove an item, its vector and index row, with its audit entry. In the caller's transaction. */
  const removeRow = (r: ItemRow, action: string, actor: string, extra: Record<string, unknown>) => {
    if (r.embedding_model) for (const idx of vectors.forModel(r.embedding_model)) idx.remove(r.seq);
    store.delete(r.seq);
    audit.append({ actor, action, subject: r.id, payload: { tier: r.tier, contentHash: r.content_hash, ...extra } });
  };

  /** Evict the oldest items of a non-core, non-working tier over its quota. In the caller's transaction. */
  const evictOverQuota = (tier: MemoryTier, changes: Change[]) => {
    const q = quotas[tier];
    if (tier === 'core' || tier === 'working' || q === null) return;
    const over = store.countTier(tier) - q;
    for (const r of store.oldest(tier, over)) {
      removeRow(r, 'memory.evicted', SERVICE_ACTOR, { reason: 'quota', quota: q });
      changes.push({ id: r.id, change: 'evicted' });
    }
  };

  /** Insert a row (+ vector + index row). In the caller's transaction. */
  const insertRow = (row: NewItemRow, emb: { model: string; dim: number; vec: Float32Array } | null): number => {
    const buf = emb ? vecBuffer(emb.vec) : null;
    // ensure() first: a new index is back-filled from memory_vectors, which must not yet hold this row.
    const idx = emb ? vectors.ensure(emb.model, emb.dim, row.created_at) : null;
    const seq = store.insert(row, buf);
    if (buf) idx?.insert(seq, row.tier, row.lang, row.created_at, buf);
    return seq;
  };

  const embedOrNull = async (text: string): Promise<{ model: string; dim: number; vec: Float32Array } | null> => {
    const e = deps.embedder();
    try {
      return { model: e.id, dim: e.dimension, vec: await embedOne(e, text) };
    } catch (err) {
      logger.warn('memory: embedding failed; stored without a vector (reembed() fills it in)', {
        code: 'MEMORY_EMBED_FAILED',
        model: e.id,
        error: (err as Error).message,
      });
      return null;
    }
  };

  function expire(): { expired: number } {
    let total = 0;
    for (;;) {
      const now = nowIso();
      const changes: Change[] = [];
      const n = db.transaction(() => {
        const rows = store.expired(now, 500);
        for (const r of rows) {
          removeRow(r, 'memory.expired', SERVICE_ACTOR, { expiresAt: r.expires_at });
          changes.push({ id: r.id, change: 'deleted' });
        }
        return rows.length;
      })();
      emit(changes);
      total += n;
      if (n < 500) return { expired: total };
    }
  }

  let compacting: Promise<CompactResult> | null = null;

  async function compactNow(): Promise<CompactResult> {
    expire();
    const quota = quotas.working;
    const result: CompactResult = { summaries: [], compacted: 0 };
    if (quota === null) return result;
    const n = store.countTier('working');
    if (n <= quota) return result;
    const victims = store.oldest('working', n - Math.floor(quota * COMPACT_TO));
    const groups = new Map<string, ItemRow[]>();
    for (const r of victims) {
      const key = `${r.run_id ?? ''}\u0000${r.lang}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const rows of groups.values()) {
      const runId = rows[0]!.run_id;
      const tier: MemoryTier = runId ? 'episodic' : 'semantic';
      let text: string;
      try {
        text = summarize(rows.map((r) => r.text)).trim();
      } catch (err) {
        logger.warn('memory: summarize failed; using the first sentences', { code: 'MEMORY_SUMMARIZE_FAILED', error: (err as Error).message });
        text = '';
      }
      if (!text) text = defaultSummarize(rows.map((r) => r.text));
      text = text.slice(0, MAX_TEXT);
      const locale = mostCommon(rows.map((r) => r.locale));
      const refs = [...new Set([...rows.flatMap((r) => JSON.parse(r.source_refs) as string[]), ...(runId ? [`run:${runId}`] : [])])];
      const emb = await embedOrNull(text);
      const changes: Change[] = [];
      const item = db.transaction((): MemoryItem | null => {
        const alive = rows.filter((r) => store.bySeq(r.seq)?.tier === 'working');
        if (alive.length === 0) return null;
        const createdAt = nowIso();
        const hash = contentHash(tier, text, locale);
        let target = store.byHash(hash);
        if (!target) {
          const row: NewItemRow = {
            id: newUlid(),
            tier,
            text,
            locale,
            lang: primaryTag(locale),
            source_refs: JSON.stringify(refs),
            created_at: createdAt,
            expires_at: null,
            content_hash: hash,
            embedding_model: emb?.model ?? null,
            run_id: runId,
            bytes: Buffer.byteLength(text),
          };
          target = { ...row, seq: insertRow(row, emb) };
        }
        for (const r of alive) {
          if (r.embedding_model) for (const idx of vectors.forModel(r.embedding_model)) idx.remove(r.seq);
          store.delete(r.seq);
          changes.push({ id: r.id, change: 'compacted' });
        }
        audit.append({
          actor: SERVICE_ACTOR,
          action: 'memory.compacted',
          subject: target.id,
          payload: { tier, contentHash: hash, runId, sourceIds: alive.map((r) => r.id), sourceHashes: alive.map((r) => r.content_hash) },
        });
        changes.push({ id: target.id, change: 'compacted' });
        evictOverQuota(tier, changes);
        result.compacted += alive.length;
        return toItem(target);
      })();
      emit(changes);
      if (item) result.summaries.push(item);
    }
    return result;
  }

  const compact = (): Promise<CompactResult> => {
    if (!compacting) {
      compacting = compactNow().finally(() => {
        compacting = null;
      });
    }
    return compacting;
  };

  async function add(input: MemoryAddInput): Promise<MemoryItem> {
    const tier = checkTier(input?.tier);
    const text = checkText(input.text, 'text', MAX_TEXT);
    const locale = checkLocale(input.locale);
    const sourceRefs = checkRefs(input.sourceRefs);
    const runId = input.runId === undefined || input.runId === null ? null : checkText(input.runId, 'runId', 200);
    const actor = input.actor === undefined ? SERVICE_ACTOR : checkText(input.actor, 'actor', 200);
    if (input.ttlMs !== undefined && (!Number.isSafeInteger(input.ttlMs) || input.ttlMs <= 0)) throw invalid('ttlMs must be a positive integer');
    if (input.ttlMs !== undefined && tier === 'core') throw invalid('core items do not expire');
    const hash = contentHash(tier, text, locale);
    const existing = store.byHash(hash);
    if (existing && !isExpired(existing, nowIso())) return toItem(existing);
    if (tier === 'core' && !coreHasRoom()) throw coreFull();
    const emb = await embedOrNull(text);
    const changes: Change[] = [];
    const item = db.transaction((): MemoryItem => {
      const now = clock.now();
      const createdAt = now.toISOString();
      const again = store.byHash(hash);
      if (again) {
        if (!isExpired(again, createdAt)) return toItem(again);
        removeRow(again, 'memory.expired', SERVICE_ACTOR, { expiresAt: again.expires_at });
        changes.push({ id: again.id, change: 'deleted' });
      }
      if (tier === 'core' && !coreHasRoom()) throw coreFull();
      const ttl = tier === 'core' ? null : (input.ttlMs ?? (tier === 'working' ? DEFAULT_WORKING_TTL_MS : null));
      const row: NewItemRow = {
        id: newUlid(),
        tier,
        text,
        locale,
        lang: primaryTag(locale),
        source_refs: JSON.stringify(sourceRefs),
        created_at: createdAt,
        expires_at: ttl === null ? null : new Date(now.getTime() + ttl).toISOString(),
        content_hash: hash,
        embedding_model: emb?.model ?? null,
        run_id: runId,
        bytes: Buffer.byteLength(text),
      };
      const seq = insertRow(row, emb);
      audit.append({
        actor,
        action: 'memory.added',
        subject: row.id,
        payload: { tier, contentHash: hash, locale, runId, sourceRefs, bytes: row.bytes, embeddingModel: row.embedding_model, expiresAt: row.expires_at },
      });
      changes.push({ id: row.id, change: 'added' });
      evictOverQuota(tier, changes);
      return toItem({ ...row, seq });
    })();
    emit(changes);
    if (tier === 'working' && quotas.working !== null && store.countTier('working') > quotas.working) await compact();
    return item;
  }

  function pin(id: string, actor = SERVICE_ACTOR): MemoryItem {
    const changes: Change[] = [];
    const item = db.transaction((): MemoryItem => {
      const r = mustGet(id);
      if (r.tier === 'core') return toItem(r);
      const hash = contentHash('core', r.text, r.locale);
      const same = store.byHash(hash);
      if (same) return toItem(same);
      if (!coreHasRoom()) throw coreFull();
      store.pin(r.seq, hash);
      if (r.embedding_model) {
        const v = store.vector(r.seq);
        for (const idx of vectors.forModel(r.embedding_model)) {
          idx.remove(r.seq);
          if (v) idx.insert(r.seq, 'core', r.lang, r.created_at, v);
        }
      }
      audit.append({ actor, action: 'memory.pinned', subject: r.id, payload: { fromTier: r.tier, contentHash: hash, previousHash: r.content_hash } });
      changes.push({ id: r.id, change: 'pinned' });
      return toItem({ ...r, tier: 'core', content_hash: hash, expires_at: null });
    })();
    emit(changes);
    return item;
  }

  function del(id: string, reason: string, actor: string): { deleted: true } {
    const why = checkText(reason, 'reason', 1_000).trim();
    const who = checkText(actor, 'actor', 200);
    db.transaction(() => removeRow(mustGet(id), 'memory.deleted', who, { reason: why }))();
    emit([{ id, change: 'deleted' }]);
    return { deleted: true };
  }

  async function search(q: MemorySearchQuery): Promise<MemorySearchResult> {
    const t0 = performance.now();
    const text = checkText(q?.text, 'text', 2_000);
    const limit = q.limit === undefined ? 10 : q.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw invalid('limit must be an integer from 1 to 50');
    const tiers = q.tiers === undefined ? null : [...new Set((Array.isArray(q.tiers) ? q.tiers : [q.tiers]).map(checkTier))];
    const filter: VectorFilter = {
      tiers: tiers && tiers.length > 0 ? tiers : null,
      lang: q.locale === undefined ? null : primaryTag(checkLocale(q.locale)),
      from: q.from === undefined ? null : checkIso(q.from, 'from'),
      to: q.to === undefined ? null : checkIso(q.to, 'to'),
    };
    const n = listLength(limit);
    const embedder = deps.embedder();

    let vectorSeqs: number[] = [];
    try {
      const qv = await embedOne(embedder, text);
      const idx = vectors.get(embedder.id, embedder.dimension);
      vectorSeqs = (idx ? idx.knn(qv, n, filter, tuning) : vectors.exact(embedder.id, qv, n, filter)).map((h) => h.seq);
    } catch (err) {
      logger.warn('memory: vector search failed; text search only', { code: 'MEMORY_VECTOR_SEARCH_FAILED', model: embedder.id, error: (err as Error).message });
    }

    let textSeqs: number[] = [];
    const terms = queryTerms(text);
    if (terms.length > 0) {
      const maxSeq = store.maxSeq();
      const cutoff = commonTermCutoff(maxSeq);
      const rare = terms.filter((t) => store.termCount(ftsMatchExpression([t])!, cutoff + 1) <= cutoff);
      const match = ftsMatchExpression(rare.length > 0 ? rare : terms)!;
      textSeqs = store.fts(match, n, filter, rare.length > 0 ? 0 : maxSeq - COMMON_ONLY_WINDOW);
    }

    const now = clock.now();
    const nowStr = now.toISOString();
    const rows = new Map<number, ItemRow>();
    for (const r of store.hydrate([...new Set([...vectorSeqs, ...textSeqs])])) if (!isExpired(r, nowStr)) rows.set(r.seq, r);
    const info = new Map([...rows.values()].map((r) => [r.seq, { tier: r.tier, createdMs: Date.parse(r.created_at) }]));
    const hits: MemoryHit[] = fuse(vectorSeqs, textSeqs, info, now.getTime(), fusion)
      .slice(0, limit)
      .map((f) => ({ item: toItem(rows.get(f.seq)!), score: f.score, vectorRank: f.vectorRank, textRank: f.textRank }));
    return { hits, embeddingModel: embedder.id, durationMs: performance.now() - t0 };
  }

  function stats(): MemoryStats {
    const by = new Map(store.stats().map((s) => [s.tier, s]));
    const tiers = Object.fromEntries(
      MEMORY_TIERS.map((t) => [t, { count: by.get(t)?.count ?? 0, quota: quotas[t], bytes: by.get(t)?.bytes ?? 0 }]),
    ) as MemoryStats['tiers'];
    return { tiers, embeddingModel: deps.embedder().id };
  }

  async function reembed(opts: { batch?: number } = {}) {
    const e = deps.embedder();
    const batch = Math.max(1, Math.min(1_000, opts.batch ?? 64));
    let after = 0;
    let reembedded = 0;
    for (;;) {
      const rows = store.stale(e.id, after, batch);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.seq;
      const vecs = await e.embed(rows.map((r) => r.text));
      if (vecs.length !== rows.length || vecs.some((v) => !(v instanceof Float32Array) || v.length !== e.dimension)) {
        throw new Error(`embedder ${e.id} returned ${vecs.length} vectors for ${rows.length} texts, or the wrong dimension`);
      }
      reembedded += db.transaction(() => {
        const idx = vectors.ensure(e.id, e.dimension, nowIso());
        const ids: string[] = [];
        const from = new Set<string>();
        rows.forEach((r, i) => {
          const cur = store.bySeq(r.seq);
          if (!cur || cur.id !== r.id || cur.embedding_model === e.id) return;
          if (cur.embedding_model) {
            from.add(cur.embedding_model);
            for (const old of vectors.forModel(cur.embedding_model)) old.remove(cur.seq);
          }
          const buf = vecBuffer(vecs[i]!);
          store.setVector(cur.seq, buf, e.id);
          idx?.insert(cur.seq, cur.tier, cur.lang, cur.created_at, buf);
          ids.push(cur.id);
        });
        if (ids.length > 0) audit.append({ actor: SERVICE_ACTOR, action: 'memory.reembedded', subject: e.id, payload: { from: [...from], to: e.id, ids } });
        return ids.length;
      })();
    }
    const droppedIndexes = db.transaction(() => vectors.dropUnused())();
    if (reembedded > 0 || droppedIndexes.length > 0)
      logger.info('memory: re-embedded', { code: 'MEMORY_REEMBEDDED', model: e.id, items: reembedded, droppedIndexes });
    return { reembedded, embeddingModel: e.id, droppedIndexes };
  }

  function importMany(items: MemoryImportItem[], model: { id: string; dimension: number }, actor = SERVICE_ACTOR): { imported: number; skipped: number } {
    const prepared = items.map((it) => {
      const tier = checkTier(it.tier);
      const text = checkText(it.text, 'text', MAX_TEXT);
      const locale = checkLocale(it.locale);
      if (!(it.vector instanceof Float32Array) || it.vector.length !== model.dimension) throw invalid(`vector must be a Float32Array of ${model.dimension}`);
      return { it, tier, text, locale, hash: contentHash(tier, text, locale) };
    });
    return db.transaction(() => {
      const now = nowIso();
      const idx = vectors.ensure(model.id, model.dimension, now);
      let first: string | null = null;
      let last: string | null = null;
      let imported = 0;
      for (const p of prepared) {
        if (store.byHash(p.hash)) continue;
        const createdAt = p.it.createdAt ?? now;
        const row: NewItemRow = {
          id: newUlid(),
          tier: p.tier,
          text: p.text,
          locale: p.locale,
          lang: primaryTag(p.locale),
          source_refs: JSON.stringify(p.it.sourceRefs ?? []),
          created_at: createdAt,
          expires_at: p.tier === 'core' ? null : (p.it.expiresAt ?? null),
          content_hash: p.hash,
          embedding_model: model.id,
          run_id: p.it.runId ?? null,
          bytes: Buffer.byteLength(p.text),
        };
        const buf = vecBuffer(p.it.vector);
        const seq = store.insert(row, buf);
        idx?.insert(seq, row.tier, row.lang, createdAt, buf);
        first ??= row.id;
        last = row.id;
        imported++;
      }
      if (imported > 0)
        audit.append({
          actor,
          action: 'memory.imported',
          subject: first ?? '',
          payload: { count: imported, firstId: first, lastId: last, embeddingModel: model.id },
        });
      return { imported, skipped: prepared.length - imported };
    })();
  }

  return {
    add,
    get: (id) => toItem(mustGet(id)),
    pin,
    delete: del,
    search,
    coreContext: () => store.core().map(toItem),
    stats,
    compact,
    expire,
    reembed,
    importMany,
    vectors,
    store,
  };
}
