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
import type { Embedder } from './ports';
import { silentLogger, type Logger } from '../../platform/util/logger';
import { newUlid } from '../../platform/util/ulid';
import { ApiError } from '../../../shared/errors';
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
import { DEFAULT_TUNING, vecBuffer, VectorIndexes, type VectorFilter, type VectorHit, type VectorTuning } from './vector-index';
import { loadSqliteVec } from './sqlite-vec';
import { checkIso, checkLocale, checkRefs, checkText, checkTier, defaultSummarize, embedOne, invalid, MAX_TEXT, mostCommon } from './checks';
import type { CompactResult, MemoryAddInput, MemoryImportItem, MemoryService } from './types';
import { importItems, reembedStale, type BulkContext } from './bulk';
import { QuotaEviction } from './eviction';
import { EmbedBehind } from './embed-behind';

export type { MemoryImportItem, MemoryService } from './types';

/** Items per tier before compaction (working) or eviction (the rest); null: unbounded. Core is never evicted: a full core refuses. */
export const DEFAULT_QUOTAS: Readonly<Record<MemoryTier, number | null>> = { core: 32, working: 200, episodic: 10_000, semantic: 50_000, procedural: 2_000 };
/** Working items expire after this unless the caller gives a TTL. */
export const DEFAULT_WORKING_TTL_MS = 24 * 3_600_000;
/** Compaction brings the working tier down to this share of its quota (so it does not run on every add). */
export const COMPACT_TO = 0.75;
/** Search list length: each of the vector and text lists holds this many candidates for fusion. */
export const listLength = (limit: number): number => Math.min(100, Math.max(20, 2 * limit));
/** A query term matching more documents than this is too common to rank (like a stop word) and is left out. */
/**
 * A hit only the vector list found (no word of the query in it) needs at least this cosine similarity.
 * Measured with the built-in hashed n-gram embedder on the demo's notes: related queries 0.31–0.49,
 * unrelated words (xylophone, a recipe) at most 0.19; sentence models separate at least as well.
 */
export const VECTOR_ONLY_MIN_SIMILARITY = 0.25;

export const commonTermCutoff = (items: number): number => Math.max(2_000, Math.floor(items * 0.02));
/** When every term is that common, BM25 ranks only the newest this-many items. */
export const COMMON_ONLY_WINDOW = 50_000;

const SERVICE_ACTOR = 'service:memory';

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

type Embedding = { model: string; dim: number; vec: Float32Array };

/** Tiered memory (see the top of this file); createMemoryService builds one. */
class TieredMemory implements MemoryService {
  readonly vectors: VectorIndexes;
  readonly store: MemoryStore;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly audit: AuditService;
  private readonly logger: Logger;
  private readonly quotas: Record<MemoryTier, number | null>;
  private readonly tuning: VectorTuning;
  private readonly fusion: FusionOptions;
  private readonly summarize: (texts: string[]) => string;
  private compacting: Promise<CompactResult> | null = null;
  private readonly eviction: QuotaEviction;
  private readonly embedBehind: EmbedBehind;

  constructor(private readonly deps: MemoryServiceDeps) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.logger = deps.logger ?? silentLogger;
    this.quotas = { ...DEFAULT_QUOTAS, ...deps.quotas };
    this.tuning = { ...DEFAULT_TUNING, ...deps.tuning };
    this.fusion = { ...DEFAULT_FUSION, ...deps.fusion };
    this.summarize = deps.summarize ?? defaultSummarize;
    const vec = loadSqliteVec(this.db);
    if (!vec.ok) this.logger.warn('memory: sqlite-vec not loaded; vector search is an exact scan', { code: 'MEMORY_VEC_UNAVAILABLE', error: vec.error });
    this.store = new MemoryStore(this.db);
    this.vectors = new VectorIndexes(this.db, vec.ok);
    this.eviction = new QuotaEviction(this.bulk(), this.quotas, (c) => this.emit(c));
    this.embedBehind = new EmbedBehind(
      this.bulk(),
      () => this.deps.embedder(),
      (ids) => this.emit(ids.map((id) => ({ id, change: 'embedded' as const }))),
    );
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  private emit(changes: Change[]): void {
    for (const c of changes) this.deps.events?.emit('memory.changed', c);
  }

  private isExpired(r: ItemRow, iso: string): boolean {
    return r.expires_at !== null && r.expires_at <= iso;
  }

  private mustGet(id: string): ItemRow {
    const r = typeof id === 'string' ? this.store.byId(id) : undefined;
    if (!r) throw new ApiError('NOT_FOUND', 'no such memory item', { reason: 'memory_item', id });
    return r;
  }

  private coreFull(): ApiError {
    return new ApiError('CONFLICT', `core memory is full (${this.quotas.core} items): unpin or delete one first`, {
      reason: 'core_full',
      quota: this.quotas.core,
    });
  }

  private coreHasRoom(): boolean {
    return this.quotas.core === null || this.store.countTier('core') < this.quotas.core;
  }

  /** Remove an item, its vector and index row, with its audit entry. In the caller's transaction. */
  private removeRow(r: ItemRow, action: string, actor: string, extra: Record<string, unknown>): void {
    if (r.embedding_model) for (const idx of this.vectors.forModel(r.embedding_model)) idx.remove(r.seq);
    this.store.delete(r.seq);
    this.audit.append({ actor, action, subject: r.id, payload: { tier: r.tier, contentHash: r.content_hash, ...extra } });
  }

  /** Insert a row (+ vector + index row). In the caller's transaction. */
  private insertRow(row: NewItemRow, emb: Embedding | null): number {
    const buf = emb ? vecBuffer(emb.vec) : null;
    // ensure() first: a new index is back-filled from memory_vectors, which must not yet hold this row.
    const idx = emb ? this.vectors.ensure(emb.model, emb.dim, row.created_at) : null;
    const seq = this.store.insert(row, buf);
    if (buf) idx?.insert(seq, row.tier, row.lang, row.created_at, buf);
    return seq;
  }

  private async embedOrNull(text: string): Promise<Embedding | null> {
    const e = this.deps.embedder();
    try {
      return { model: e.id, dim: e.dimension, vec: await embedOne(e, text) };
    } catch (err) {
      this.logger.warn('memory: embedding failed; stored without a vector (reembed() fills it in)', {
        code: 'MEMORY_EMBED_FAILED',
        model: e.id,
        error: (err as Error).message,
      });
      return null;
    }
  }

  expire(): { expired: number } {
    let total = 0;
    for (;;) {
      const now = this.nowIso();
      const changes: Change[] = [];
      const n = this.store.transaction(() => {
        const rows = this.store.expired(now, 500);
        for (const r of rows) {
          this.removeRow(r, 'memory.expired', SERVICE_ACTOR, { expiresAt: r.expires_at });
          changes.push({ id: r.id, change: 'deleted' });
        }
        return rows.length;
      });
      this.emit(changes);
      total += n;
      if (n < 500) return { expired: total };
    }
  }

  private async compactNow(): Promise<CompactResult> {
    this.expire();
    const quota = this.quotas.working;
    const result: CompactResult = { summaries: [], compacted: 0 };
    if (quota === null) return result;
    const n = this.store.countTier('working');
    if (n <= quota) return result;
    const victims = this.store.oldest('working', n - Math.floor(quota * COMPACT_TO));
    const groups = new Map<string, ItemRow[]>();
    for (const r of victims) {
      const key = `${r.run_id ?? ''}\u0000${r.lang}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const rows of groups.values()) await this.compactGroup(rows, result);
    return result;
  }

  /** The summary text of working items: the summarizer's, else their first sentences. */
  private summaryOf(rows: ItemRow[]): string {
    let text: string;
    try {
      text = this.summarize(rows.map((r) => r.text)).trim();
    } catch (err) {
      this.logger.warn('memory: summarize failed; using the first sentences', { code: 'MEMORY_SUMMARIZE_FAILED', error: (err as Error).message });
      text = '';
    }
    if (!text) text = defaultSummarize(rows.map((r) => r.text));
    return text.slice(0, MAX_TEXT);
  }

  /** Fold one group (same run, same language) of working items into one episodic / semantic item. */
  private async compactGroup(rows: ItemRow[], result: CompactResult): Promise<void> {
    const runId = rows[0]!.run_id;
    const tier: MemoryTier = runId ? 'episodic' : 'semantic';
    const text = this.summaryOf(rows);
    const locale = mostCommon(rows.map((r) => r.locale));
    const refs = [...new Set([...rows.flatMap((r) => JSON.parse(r.source_refs) as string[]), ...(runId ? [`run:${runId}`] : [])])];
    const emb = await this.embedOrNull(text);
    const changes: Change[] = [];
    const item = this.store.transaction((): MemoryItem | null => {
      const alive = rows.filter((r) => this.store.bySeq(r.seq)?.tier === 'working');
      if (alive.length === 0) return null;
      const createdAt = this.nowIso();
      const hash = contentHash(tier, text, locale);
      let target = this.store.byHash(hash);
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
        target = { ...row, seq: this.insertRow(row, emb) };
      }
      for (const r of alive) {
        if (r.embedding_model) for (const idx of this.vectors.forModel(r.embedding_model)) idx.remove(r.seq);
        this.store.delete(r.seq);
        changes.push({ id: r.id, change: 'compacted' });
      }
      this.audit.append({
        actor: SERVICE_ACTOR,
        action: 'memory.compacted',
        subject: target.id,
        payload: { tier, contentHash: hash, runId, sourceIds: alive.map((r) => r.id), sourceHashes: alive.map((r) => r.content_hash) },
      });
      changes.push({ id: target.id, change: 'compacted' });
      this.eviction.evictOverQuota(tier, changes);
      result.compacted += alive.length;
      return toItem(target);
    });
    this.emit(changes);
    if (item) result.summaries.push(item);
  }

  compact(): Promise<CompactResult> {
    if (!this.compacting) {
      this.compacting = this.compactNow().finally(() => {
        this.compacting = null;
      });
    }
    return this.compacting;
  }

  async add(input: MemoryAddInput): Promise<MemoryItem> {
    const tier = checkTier(input?.tier);
    const text = checkText(input.text, 'text', MAX_TEXT);
    const locale = checkLocale(input.locale);
    const sourceRefs = checkRefs(input.sourceRefs);
    const runId = input.runId === undefined || input.runId === null ? null : checkText(input.runId, 'runId', 200);
    const actor = input.actor === undefined ? SERVICE_ACTOR : checkText(input.actor, 'actor', 200);
    if (input.ttlMs !== undefined && (!Number.isSafeInteger(input.ttlMs) || input.ttlMs <= 0)) throw invalid('ttlMs must be a positive integer');
    if (input.ttlMs !== undefined && tier === 'core') throw invalid('core items do not expire');
    const hash = contentHash(tier, text, locale);
    const existing = this.store.byHash(hash);
    if (existing && !this.isExpired(existing, this.nowIso())) return toItem(existing);
    // Absent now: inside the transaction it is looked up again only if an item may have been added
    // meanwhile (another add() during the await below, another connection's commit).
    const absentAt = existing ? null : this.store.insertMark();
    if (tier === 'core' && !this.coreHasRoom()) throw this.coreFull();
    // A model's vector comes right after, in a batch (embed-behind.ts; here only while too many
    // wait); an inline embedder's (hashed n-grams) is written with the item.
    const inline = this.deps.embedder().inline === true;
    const emb = inline ? await this.embedOrNull(text) : (await this.embedBehind.room(), null);
    const changes: Change[] = [];
    const fresh: ItemRow[] = [];
    const item = this.store.transaction(() =>
      this.insertNew({ tier, text, locale, sourceRefs, runId, actor, ttlMs: input.ttlMs, hash, absentAt }, emb, changes, fresh),
    );
    if (!inline) for (const r of fresh) this.embedBehind.push(r);
    this.emit(changes);
    if (tier === 'working' && this.quotas.working !== null && this.store.countTier('working') > this.quotas.working) await this.compact();
    return item;
  }

  /**
   * The write of add(), in its transaction: the item again if it is there, else a new row (with
   * `emb`, or without a vector: then added to `fresh` for embed-behind) and its audit entry.
   */
  private insertNew(
    a: {
      tier: MemoryTier;
      text: string;
      locale: string;
      sourceRefs: string[];
      runId: string | null;
      actor: string;
      ttlMs?: number;
      hash: string;
      /** store.insertMark() when the hash was found absent (null: it was there, expired). */
      absentAt: string | null;
    },
    emb: Embedding | null,
    changes: Change[],
    fresh: ItemRow[],
  ): MemoryItem {
    const { tier, text, locale, sourceRefs, runId, hash } = a;
    const now = this.clock.now();
    const createdAt = now.toISOString();
    const again = a.absentAt !== null && a.absentAt === this.store.insertMark() ? undefined : this.store.byHash(hash);
    if (again) {
      if (!this.isExpired(again, createdAt)) return toItem(again);
      this.removeRow(again, 'memory.expired', SERVICE_ACTOR, { expiresAt: again.expires_at });
      changes.push({ id: again.id, change: 'deleted' });
    }
    if (tier === 'core' && !this.coreHasRoom()) throw this.coreFull();
    const ttl = tier === 'core' ? null : (a.ttlMs ?? (tier === 'working' ? DEFAULT_WORKING_TTL_MS : null));
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
    const seq = this.insertRow(row, emb);
    if (!emb) fresh.push({ ...row, seq });
    this.audit.append({
      actor: a.actor,
      action: 'memory.added',
      subject: row.id,
      payload: { tier, contentHash: hash, locale, runId, sourceRefs, bytes: row.bytes, embeddingModel: row.embedding_model, expiresAt: row.expires_at },
    });
    changes.push({ id: row.id, change: 'added' });
    this.eviction.evictOverQuota(tier, changes);
    return toItem({ ...row, seq });
  }

  get(id: string): MemoryItem {
    return toItem(this.mustGet(id));
  }

  pin(id: string, actor = SERVICE_ACTOR): MemoryItem {
    const changes: Change[] = [];
    const item = this.store.transaction((): MemoryItem => {
      const r = this.mustGet(id);
      if (r.tier === 'core') return toItem(r);
      const hash = contentHash('core', r.text, r.locale);
      const same = this.store.byHash(hash);
      if (same) return toItem(same);
      if (!this.coreHasRoom()) throw this.coreFull();
      this.store.pin(r.seq, hash);
      if (r.embedding_model) {
        const v = this.store.vector(r.seq);
        for (const idx of this.vectors.forModel(r.embedding_model)) {
          idx.remove(r.seq);
          if (v) idx.insert(r.seq, 'core', r.lang, r.created_at, v);
        }
      }
      this.audit.append({ actor, action: 'memory.pinned', subject: r.id, payload: { fromTier: r.tier, contentHash: hash, previousHash: r.content_hash } });
      changes.push({ id: r.id, change: 'pinned' });
      return toItem({ ...r, tier: 'core', content_hash: hash, expires_at: null });
    });
    this.emit(changes);
    return item;
  }

  delete(id: string, reason: string, actor: string): { deleted: true } {
    const why = checkText(reason, 'reason', 1_000).trim();
    const who = checkText(actor, 'actor', 200);
    this.store.transaction(() => this.removeRow(this.mustGet(id), 'memory.deleted', who, { reason: why }));
    this.emit([{ id, change: 'deleted' }]);
    return { deleted: true };
  }

  async search(q: MemorySearchQuery): Promise<MemorySearchResult> {
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
    // Items added before this search are found by meaning too: their vectors first (at most two batches).
    await this.embedBehind.idle();
    const n = listLength(limit);
    const embedder = this.deps.embedder();
    const vectorHits = await this.vectorList(embedder, text, n, filter);
    const vectorSeqs = vectorHits.map((h) => h.seq);
    const similarity = new Map(vectorHits.map((h) => [h.seq, h.similarity]));
    const textSeqs = this.textList(text, n, filter);
    const now = this.clock.now();
    const nowStr = now.toISOString();
    const rows = new Map<number, ItemRow>();
    for (const r of this.store.hydrate([...new Set([...vectorSeqs, ...textSeqs])])) if (!this.isExpired(r, nowStr)) rows.set(r.seq, r);
    const info = new Map([...rows.values()].map((r) => [r.seq, { tier: r.tier, createdMs: Date.parse(r.created_at) }]));
    const hits: MemoryHit[] = fuse(vectorSeqs, textSeqs, info, now.getTime(), this.fusion)
      // The vector list always has k nearest items, however far: one only it found must be close enough.
      .filter((f) => f.textRank !== null || (similarity.get(f.seq) ?? 0) >= VECTOR_ONLY_MIN_SIMILARITY)
      .slice(0, limit)
      .map((f) => ({ item: toItem(rows.get(f.seq)!), score: f.score, vectorRank: f.vectorRank, textRank: f.textRank }));
    return { hits, embeddingModel: embedder.id, durationMs: performance.now() - t0 };
  }

  /** The vector candidates of a search (empty when embedding or the index fails: text search only). */
  private async vectorList(embedder: Embedder, text: string, n: number, filter: VectorFilter): Promise<VectorHit[]> {
    try {
      const qv = await embedOne(embedder, text);
      const idx = this.vectors.get(embedder.id, embedder.dimension);
      if (!idx) return this.vectors.exact(embedder.id, qv, n, filter);
      // The codes in memory, read in slices when they must be (not blocking the app), then at once KNN.
      await idx.ready(this.tuning);
      return idx.knn(qv, n, filter, this.tuning);
    } catch (err) {
      this.logger.warn('memory: vector search failed; text search only', {
        code: 'MEMORY_VECTOR_SEARCH_FAILED',
        model: embedder.id,
        error: (err as Error).message,
      });
      return [];
    }
  }

  /** The full-text candidates of a search (terms too common to rank are left out). */
  private textList(text: string, n: number, filter: VectorFilter): number[] {
    const terms = queryTerms(text);
    if (terms.length === 0) return [];
    const maxSeq = this.store.maxSeq();
    const cutoff = commonTermCutoff(maxSeq);
    const rare = terms.filter((t) => this.store.termCount(ftsMatchExpression([t])!, cutoff + 1) <= cutoff);
    const match = ftsMatchExpression(rare.length > 0 ? rare : terms)!;
    return this.store.fts(match, n, filter, rare.length > 0 ? 0 : maxSeq - COMMON_ONLY_WINDOW);
  }

  coreContext(): MemoryItem[] {
    return this.store.core().map(toItem);
  }

  stats(): MemoryStats {
    const by = new Map(this.store.stats().map((s) => [s.tier, s]));
    const tiers = Object.fromEntries(
      MEMORY_TIERS.map((t) => [t, { count: by.get(t)?.count ?? 0, quota: this.quotas[t], bytes: by.get(t)?.bytes ?? 0 }]),
    ) as MemoryStats['tiers'];
    return { tiers, embeddingModel: this.deps.embedder().id };
  }

  embedded(): Promise<void> {
    return this.embedBehind.idle();
  }

  reembed(opts: { batch?: number } = {}): Promise<{ reembedded: number; embeddingModel: string; droppedIndexes: string[] }> {
    return reembedStale(this.bulk(), this.deps.embedder(), opts.batch);
  }

  importMany(items: MemoryImportItem[], model: { id: string; dimension: number }, actor = SERVICE_ACTOR): { imported: number; skipped: number } {
    return importItems(this.bulk(), items, model, actor);
  }

  private bulk(): BulkContext {
    return {
      db: this.db,
      store: this.store,
      vectors: this.vectors,
      audit: this.audit,
      logger: this.logger,
      nowIso: () => this.nowIso(),
      serviceActor: SERVICE_ACTOR,
    };
  }
}

export function createMemoryService(deps: MemoryServiceDeps): MemoryService {
  return new TieredMemory(deps);
}
