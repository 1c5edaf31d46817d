// cards.* handlers (channels: src/shared/api/cards.ts).
import type { cardsChannels } from '../../../shared/api/cards';
import type { HandlersFor } from '../../../shared/api/channel';
import type { CardStore } from './index';

export function cardsApi({ cards }: { cards: CardStore }): HandlersFor<typeof cardsChannels> {
  return {
    'cards.list': (input) => cards.list(input),
    'cards.get': (input) => ({ card: cards.get(input.id) }),
    'cards.stats': (input) => cards.stats(input.days ?? 30),
  };
}
