// memory.* handlers (channels: src/shared/api/memory.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { memoryChannels } from '../../../shared/api/memory';
import type { MemoryService } from './index';

export interface MemoryApiDeps {
  memory: MemoryService;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function memoryApi({ memory, profile }: MemoryApiDeps): HandlersFor<typeof memoryChannels> {
  return {
    'memory.search': (input) => memory.search(input),
    'memory.get': (input) => ({ item: memory.get(input.id) }),
    'memory.add': async (input) => ({
      item: await memory.add({ tier: input.tier, text: input.text, locale: input.locale, sourceRefs: input.sourceRefs ?? [], actor: profile.actor() }),
    }),
    'memory.pin': (input) => ({ item: memory.pin(input.id, profile.actor()) }),
    'memory.delete': (input) => memory.delete(input.id, input.reason, profile.actor()),
    'memory.stats': () => memory.stats(),
  };
}
