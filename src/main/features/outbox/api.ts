// outbox.* handlers (channels: src/shared/api/outbox.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { outboxChannels } from '../../../shared/api/outbox';
import type { Outbox } from './index';

export interface OutboxApiDeps {
  outbox: Outbox;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function outboxApi({ outbox, profile }: OutboxApiDeps): HandlersFor<typeof outboxChannels> {
  return {
    'outbox.list': (input) => ({ items: outbox.list({ ...input, limit: input.limit ?? 200 }), counts: outbox.counts() }),
    'outbox.retry': (input) => ({ item: outbox.retry(input.id, profile.actor()) }),
    'outbox.discard': (input) => ({ item: outbox.discard(input.id, profile.actor(), input.reason) }),
  };
}
