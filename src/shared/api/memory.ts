// memory.*: tiered memory with hybrid retrieval (src/main/features/memory).
import { Type } from '@sinclair/typebox';
import type { MemoryItem, MemorySearchQuery, MemorySearchResult, MemoryStats, MemoryTier } from '../memory/types';
import { memoryAddSchema, memoryItemSchema, memorySearchQuerySchema, memorySearchResultSchema, memoryStatsSchema } from '../memory/schemas';
import { adminReason, channel, empty, enumOf, foreign, obj, shortText, str } from './channel';

const memoryItem = foreign<MemoryItem>(memoryItemSchema);
const itemRes = obj({ item: memoryItem });

/** What memory.add takes; working memory is written by runs only. */
export type MemoryAddRequest = { tier: Exclude<MemoryTier, 'working'>; text: string; locale: string; sourceRefs?: string[] };

export const memoryChannels = {
  'memory.search': channel(
    'Hybrid search over tiered memory (vector KNN + full text, fused by reciprocal rank; tier weights, recency, filters).',
    foreign<MemorySearchQuery>(memorySearchQuerySchema),
    foreign<MemorySearchResult>(memorySearchResultSchema),
  ),
  'memory.get': channel('One memory item.', obj({ id: shortText(100) }), itemRes),
  'memory.add': channel('Add a memory item (audited); working memory is written by runs only.', foreign<MemoryAddRequest>(memoryAddSchema), itemRes),
  'memory.pin': channel('Pin an item to core memory (always in context; never evicted).', obj({ id: shortText(100) }), itemRes),
  'memory.delete': channel(
    'Delete a memory item, with a reason (audited).',
    obj({ id: shortText(100), reason: adminReason(), confirm: Type.Literal(true) }),
    obj({ deleted: Type.Literal(true) }),
  ),
  'memory.stats': channel('Items, quota and bytes per tier; the embedding in use.', empty, foreign<MemoryStats>(memoryStatsSchema)),
};

export const memoryEvents = {
  'memory.changed': obj({ id: str(), change: enumOf(['added', 'embedded', 'deleted', 'pinned', 'compacted', 'evicted']) }),
};
