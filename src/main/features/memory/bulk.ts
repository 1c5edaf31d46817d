// The memory service's bulk paths: importing items with their vectors, and re-embedding every item
// whose vector is from another model. Each batch is one SQLite transaction with its audit entry.
import type { Db } from '../../platform/db/connection';
import type { AuditService } from '../../platform/audit/index';
import type { Logger } from '../../platform/util/logger';
import { newUlid } from '../../platform/util/ulid';
import type { Embedder } from './ports';
import { primaryTag } from './ranking';
import { contentHash, type ItemRow, type MemoryStore, type NewItemRow } from './store';
import { vecBuffer, type VectorIndexes } from './vector-index';
import { checkLocale, checkText, checkTier, invalid, MAX_TEXT } from './checks';
import type { MemoryImportItem } from './types';

/** What the bulk paths use of the memory service. */
export interface BulkContext {
  db: Db;
  store: MemoryStore;
  vectors: VectorIndexes;
  audit: AuditService;
  logger: Logger;
  nowIso: () => string;
  /** The actor of the entries the service writes on its own (re-embedding). */
  serviceActor: string;
}

/** One vector of `e` per row's text, in order; an embedder that answers otherwise is an error. */
export async function embedRows(e: Embedder, rows: readonly ItemRow[]): Promise<Float32Array[]> {
  const vecs = await e.embed(rows.map((r) => r.text));
  if (vecs.length !== rows.length || vecs.some((v) => !(v instanceof Float32Array) || v.length !== e.dimension)) {
    throw new Error(`embedder ${e.id} returned ${vecs.length} vectors for ${rows.length} texts, or the wrong dimension`);
  }
  return vecs;
}

/** Re-embed the items whose vector is not from `e`, `batch` at a time; then drop indexes no item uses. */
export async function reembedStale(
  c: BulkContext,
  e: Embedder,
  batchSize?: number,
): Promise<{ reembedded: number; embeddingModel: string; droppedIndexes: string[] }> {
  const batch = Math.max(1, Math.min(1_000, batchSize ?? 64));
  let after = 0;
  let reembedded = 0;
  for (;;) {
    const rows = c.store.stale(e.id, after, batch);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
    const vecs = await embedRows(e, rows);
    reembedded += c.store.transaction(() => storeVectors(c, e, rows, vecs)).length;
  }
  const droppedIndexes = c.store.transaction(() => c.vectors.dropUnused());
  if (reembedded > 0 || droppedIndexes.length > 0)
    c.logger.info('memory: re-embedded', { code: 'MEMORY_REEMBEDDED', model: e.id, items: reembedded, droppedIndexes });
  return { reembedded, embeddingModel: e.id, droppedIndexes };
}

/**
 * One embedded batch, in its transaction: vectors of rows still there and still without one of `e`,
 * and the audit entry (`memory.reembedded` for re-embedding, `memory.embedded` for items added
 * without a vector: embed-behind.ts). Returns the ids given a vector.
 */
export function storeVectors(c: BulkContext, e: Embedder, rows: ItemRow[], vecs: Float32Array[], action = 'memory.reembedded'): string[] {
  const idx = c.vectors.ensure(e.id, e.dimension, c.nowIso());
  const ids: string[] = [];
  const from = new Set<string>();
  rows.forEach((r, i) => {
    const cur = c.store.bySeq(r.seq);
    if (!cur || cur.id !== r.id || cur.embedding_model === e.id) return;
    if (cur.embedding_model) {
      from.add(cur.embedding_model);
      for (const old of c.vectors.forModel(cur.embedding_model)) old.remove(cur.seq);
    }
    const buf = vecBuffer(vecs[i]!);
    c.store.setVector(cur.seq, buf, e.id);
    idx?.insert(cur.seq, cur.tier, cur.lang, cur.created_at, buf);
    ids.push(cur.id);
  });
  if (ids.length > 0) c.audit.append({ actor: c.serviceActor, action, subject: e.id, payload: { from: [...from], to: e.id, ids } });
  return ids;
}

/** Import items with their vectors (of `model`) in one transaction; an item already stored (same tier, text, locale) is skipped. */
export function importItems(
  c: BulkContext,
  items: MemoryImportItem[],
  model: { id: string; dimension: number },
  actor: string,
): { imported: number; skipped: number } {
  const prepared = items.map((it) => {
    const tier = checkTier(it.tier);
    const text = checkText(it.text, 'text', MAX_TEXT);
    const locale = checkLocale(it.locale);
    if (!(it.vector instanceof Float32Array) || it.vector.length !== model.dimension) throw invalid(`vector must be a Float32Array of ${model.dimension}`);
    return { it, tier, text, locale, hash: contentHash(tier, text, locale) };
  });
  return c.store.transaction(() => {
    const now = c.nowIso();
    const idx = c.vectors.ensure(model.id, model.dimension, now);
    let first: string | null = null;
    let last: string | null = null;
    let imported = 0;
    for (const p of prepared) {
      if (c.store.byHash(p.hash)) continue;
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
      const seq = c.store.insert(row, buf);
      idx?.insert(seq, row.tier, row.lang, createdAt, buf);
      first ??= row.id;
      last = row.id;
      imported++;
    }
    // The import's vectors go to vec0 now, not with the next adds (see VectorIndex's tail).
    idx?.flush();
    if (imported > 0)
      c.audit.append({
        actor,
        action: 'memory.imported',
        subject: first ?? '',
        payload: { count: imported, firstId: first, lastId: last, embeddingModel: model.id },
      });
    return { imported, skipped: prepared.length - imported };
  });
}
