// The memory service's surface and its inputs: plain types, so other features (AI steps) may
// import this file. Implementation: service.ts.
import type { MemoryItem, MemorySearchQuery, MemorySearchResult, MemoryStats, MemoryTier } from '../../../shared/memory/types';
import type { MemoryStore } from './store';
import type { VectorIndexes } from './vector-index';

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
  /** Resolves when every item added so far has its vector (or its embedding failed): add() returns before. */
  embedded(): Promise<void>;
  importMany(items: MemoryImportItem[], model: { id: string; dimension: number }, actor?: string): { imported: number; skipped: number };
  /** The vector indexes (bench and tests: KNN and the exact reference). */
  readonly vectors: VectorIndexes;
  readonly store: MemoryStore;
}
