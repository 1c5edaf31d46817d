// Tiered memory in SQLite with hybrid retrieval (sqlite-vec binary-quantised KNN + float re-rank,
// FTS5 BM25, reciprocal rank fusion × tier weight × recency). See service.ts for the rules,
// vector-index.ts for vector search, ranking.ts for fusion.
export { createMemoryService } from './service';
export type { MemoryService, MemoryImportItem } from './service';
