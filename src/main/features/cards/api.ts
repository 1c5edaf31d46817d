// cards.* handlers (channels: src/shared/api/cards.ts).
import type { cardsChannels } from '../../../shared/api/cards';
import type { HandlersFor } from '../../../shared/api/channel';
import type { TeamCardQuery, TeamCardView, TeamPage } from '../../../shared/team/views';
import type { CardStats } from '../../../shared/workflow/views';
import type { CardStore } from './index';

export interface CardsApiDeps {
  cards: CardStore;
  /** The tenant's cards (every device's, this one's and pulled ones): team sync (src/main/features/team). */
  tenant: { cards(q: TeamCardQuery): TeamPage<TeamCardView>; cardStats(local: CardStats): CardStats };
}

export function cardsApi({ cards, tenant }: CardsApiDeps): HandlersFor<typeof cardsChannels> {
  return {
    'cards.list': ({ scope, ...q }) => (scope === 'tenant' ? { scope, ...tenant.cards(q) } : { scope: 'device', ...cards.list(q) }),
    'cards.get': (input) => ({ card: cards.get(input.id) }),
    'cards.stats': (input) => (input.scope === 'tenant' ? tenant.cardStats(cards.stats(input.days ?? 30)) : cards.stats(input.days ?? 30)),
  };
}
