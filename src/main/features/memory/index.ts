// Tiered memory in SQLite with hybrid retrieval (sqlite-vec binary-quantised KNN + float re-rank,
// FTS5 BM25, reciprocal rank fusion × tier weight × recency). See service.ts for the rules,
// vector-index.ts for vector search, ranking.ts for fusion.
export { createMemoryService, defaultSummarize, DEFAULT_QUOTAS, DEFAULT_WORKING_TTL_MS, COMPACT_TO } from './service';
export type { MemoryService, MemoryServiceDeps, MemoryAddInput, MemoryImportItem, CompactResult } from './service';
export { TIER_WEIGHTS, RRF_K, RECENCY_HALF_LIFE_MS, RECENCY_FLOOR } from './ranking';
export { DEFAULT_TUNING, type VectorTuning, type VectorHit, type VectorFilter } from './vector-index';
export { loadSqliteVec } from './sqlite-vec';
