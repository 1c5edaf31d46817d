// memory.* handlers (channels: src/shared/api/memory.ts). Text written through memory.add and
// memory.pin is screened for prompt injection first: memory is read back into AI steps (core items
// into every one), so a flagged text is refused (FORBIDDEN, details.reason 'injection_suspected')
// and nothing is written. Items already stored are screened again when an AI step reads them.
import type { HandlersFor } from '../../../shared/api/channel';
import type { memoryChannels } from '../../../shared/api/memory';
import { ApiError } from '../../../shared/errors';
import type { MemoryService } from './index';
import type { InjectionScreen } from './ports';

export interface MemoryApiDeps {
  memory: MemoryService;
  /** Who acts: the local profile. */
  profile: { actor(): string };
  screen: InjectionScreen;
}

function refuseInjection(screen: InjectionScreen, text: string, what: 'save' | 'pin'): void {
  const r = screen(text);
  if (!r.detected) return;
  throw new ApiError(
    'FORBIDDEN',
    `This text reads like instructions to the assistant, so it was not ${what === 'save' ? 'saved to' : 'pinned in'} memory: the assistant reads memory in every step. If it is an ordinary note, reword it.`,
    { reason: 'injection_suspected', action: what, families: r.families, excerpt: r.excerpt },
  );
}

export function memoryApi({ memory, profile, screen }: MemoryApiDeps): HandlersFor<typeof memoryChannels> {
  return {
    'memory.search': (input) => memory.search(input),
    'memory.get': (input) => ({ item: memory.get(input.id) }),
    'memory.add': async (input) => {
      refuseInjection(screen, input.text, 'save');
      return {
        item: await memory.add({ tier: input.tier, text: input.text, locale: input.locale, sourceRefs: input.sourceRefs ?? [], actor: profile.actor() }),
      };
    },
    'memory.pin': (input) => {
      refuseInjection(screen, memory.get(input.id).text, 'pin');
      return { item: memory.pin(input.id, profile.actor()) };
    },
    'memory.delete': (input) => memory.delete(input.id, input.reason, profile.actor()),
    'memory.stats': () => memory.stats(),
  };
}
