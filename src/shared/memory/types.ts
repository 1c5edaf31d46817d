// Tiered memory and local models: plain data shared by the main process and the renderer, declared
// once with TypeBox (JSON Schemas re-exported by ./schemas.ts; types derived with Static).
import { Type, type Static } from '@sinclair/typebox';
import { enumOf, keyed, nullable, obj } from '../typebox';
import { messageSchema } from '../messages';

export const MEMORY_TIERS = ['core', 'working', 'episodic', 'semantic', 'procedural'] as const;
export type MemoryTier = (typeof MEMORY_TIERS)[number];

/** BCP-47 language tag, e.g. en, sv, fr-CA. */
export const LOCALE_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$';

const str = Type.String();
const int = Type.Integer();
const num = Type.Number();
const tier = enumOf(MEMORY_TIERS);
const locale = Type.String({ pattern: LOCALE_PATTERN, maxLength: 35 });

export const memoryItemSchema = obj({
  id: str,
  tier,
  text: str,
  /** BCP-47, e.g. en, sv, fr-CA. */
  locale: str,
  /** What the item came from: record ids, run ids, card ids, audit seqs (`record:…`, `run:…`). */
  sourceRefs: Type.Array(str),
  createdAt: str,
  /** working items expire (TTL); null: kept until compaction, eviction or deletion. */
  expiresAt: nullable(str),
  /** SHA-256 of the canonical {tier, text, locale}. */
  contentHash: str,
  /** Which embedding produced its vector (`model.x@1.0.0` or `hashed-ngram@1`), null if none yet. */
  embeddingModel: nullable(str),
  /** The run a working item belongs to. */
  runId: nullable(str),
});
export type MemoryItem = Static<typeof memoryItemSchema>;

export const memorySearchQuerySchema = obj({
  text: Type.String({ minLength: 1, maxLength: 2000 }),
  tiers: Type.Optional(Type.Array(tier, { uniqueItems: true, maxItems: 5 })),
  locale: Type.Optional(locale),
  /** ISO times bounding createdAt. */
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  /** Default 10, at most 50. */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
});
export type MemorySearchQuery = Static<typeof memorySearchQuerySchema>;

const memoryHitSchema = obj({
  item: memoryItemSchema,
  /** Fused score (reciprocal rank fusion × tier weight × recency decay). */
  score: num,
  /** 1-based rank in each list, null when the item was not in it. */
  vectorRank: nullable(int),
  textRank: nullable(int),
});
export type MemoryHit = Static<typeof memoryHitSchema>;

export const memorySearchResultSchema = obj({
  hits: Type.Array(memoryHitSchema),
  /** The embedding used for the query vector. */
  embeddingModel: str,
  durationMs: num,
});
export type MemorySearchResult = Static<typeof memorySearchResultSchema>;

/** Input of memory.add (the working tier is written by runs only). */
export const memoryAddSchema = obj({
  tier: enumOf(['core', 'episodic', 'semantic', 'procedural']),
  text: Type.String({ minLength: 1, maxLength: 20000, pattern: '\\S' }),
  locale,
  sourceRefs: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })),
});

const tierStatsSchema = obj({
  count: int,
  /** Most items the tier holds before compaction (working) or eviction (others); null: no quota. */
  quota: nullable(int),
  bytes: int,
});

export const memoryStatsSchema = obj({ tiers: keyed(MEMORY_TIERS, tierStatsSchema), embeddingModel: str });
export type MemoryStats = Static<typeof memoryStatsSchema>;

const inferenceBackendSchema = enumOf(['cuda', 'vulkan', 'metal', 'cpu']);
export type InferenceBackend = Static<typeof inferenceBackendSchema>;

/** One model slot (text generation or embeddings) as health and the Memory view show it. */
const modelSlotStatusSchema = obj({
  /** `model` when a verified model bundle serves it, `fallback` otherwise. */
  arm: enumOf(['model', 'fallback']),
  /** Bundle name@version, or the fallback's id (e.g. `extractive@1`, `hashed-ngram@1`). */
  id: str,
  state: enumOf(['none', 'loading', 'ready', 'error']),
  backend: nullable(inferenceBackendSchema),
  device: nullable(str),
  vramBytes: nullable(int),
  offloadedLayers: nullable(int),
  /** Last measured generation or embedding rate. */
  tokensPerSecond: nullable(num),
  /** Why the GPU (or the model) is not used, when it is not: English, for logs and the health summary. */
  fallbackReason: nullable(str),
  /** The same reason as a code with params (namespace `models`), which the Memory view shows in the user's language. */
  fallbackWhy: Type.Optional(nullable(messageSchema)),
  /** 0..1 while loading. */
  loadProgress: nullable(num),
});
export type ModelSlotStatus = Static<typeof modelSlotStatusSchema>;

export const modelStatusSchema = obj({ text: modelSlotStatusSchema, embedding: modelSlotStatusSchema });
export type ModelStatus = Static<typeof modelStatusSchema>;
