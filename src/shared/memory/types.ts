// Tiered memory and local models: plain data shared by the main process and the renderer.

export const MEMORY_TIERS = ['core', 'working', 'episodic', 'semantic', 'procedural'] as const;
export type MemoryTier = (typeof MEMORY_TIERS)[number];

export interface MemoryItem {
  id: string;
  tier: MemoryTier;
  text: string;
  /** BCP-47, e.g. en, sv, fr-CA. */
  locale: string;
  /** What the item came from: record ids, run ids, card ids, audit seqs (`record:…`, `run:…`). */
  sourceRefs: string[];
  createdAt: string;
  /** working items expire (TTL); null: kept until compaction, eviction or deletion. */
  expiresAt: string | null;
  /** SHA-256 of the canonical {tier, text, locale}. */
  contentHash: string;
  /** Which embedding produced its vector (`model.x@1.0.0` or `hashed-ngram@1`), null if none yet. */
  embeddingModel: string | null;
  /** The run a working item belongs to. */
  runId: string | null;
}

export interface MemorySearchQuery {
  text: string;
  tiers?: MemoryTier[];
  locale?: string;
  /** ISO times bounding createdAt. */
  from?: string;
  to?: string;
  /** Default 10, at most 50. */
  limit?: number;
}

export interface MemoryHit {
  item: MemoryItem;
  /** Fused score (reciprocal rank fusion × tier weight × recency decay). */
  score: number;
  /** 1-based rank in each list, null when the item was not in it. */
  vectorRank: number | null;
  textRank: number | null;
}

export interface MemorySearchResult {
  hits: MemoryHit[];
  /** The embedding used for the query vector. */
  embeddingModel: string;
  durationMs: number;
}

export interface TierStats {
  count: number;
  /** Most items the tier holds before compaction (working) or eviction (others); null: no quota. */
  quota: number | null;
  bytes: number;
}

export interface MemoryStats {
  tiers: Record<MemoryTier, TierStats>;
  embeddingModel: string;
}

export type InferenceBackend = 'cuda' | 'vulkan' | 'metal' | 'cpu';

/** One model slot (text generation or embeddings) as health and the Memory view show it. */
export interface ModelSlotStatus {
  /** `model` when a verified model bundle serves it, `fallback` otherwise. */
  arm: 'model' | 'fallback';
  /** Bundle name@version, or the fallback's id (e.g. `extractive@1`, `hashed-ngram@1`). */
  id: string;
  state: 'none' | 'loading' | 'ready' | 'error';
  backend: InferenceBackend | null;
  device: string | null;
  vramBytes: number | null;
  offloadedLayers: number | null;
  /** Last measured generation or embedding rate. */
  tokensPerSecond: number | null;
  /** Why the GPU (or the model) is not used, when it is not. */
  fallbackReason: string | null;
  /** 0..1 while loading. */
  loadProgress: number | null;
}

export interface ModelStatus {
  text: ModelSlotStatus;
  embedding: ModelSlotStatus;
}
