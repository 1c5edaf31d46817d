// cards.*: decision cards (src/main/features/cards).
import { Type } from '@sinclair/typebox';
import type { DecisionCard } from '../workflow/types';
import type { CardListQuery, CardListResponse, CardStats } from '../workflow/views';
import { cardListQuerySchema, cardListResponseSchema, cardStatsSchema, decisionCardSchema } from '../workflow/schemas';
import { channel, foreign, obj, shortText } from './channel';

export const cardsChannels = {
  'cards.list': channel(
    'Decision cards: filter by text, lane, status, failed invariant, run, date range; sort by time, cost or uncertainty; keyset pages.',
    foreign<CardListQuery>(cardListQuerySchema),
    foreign<CardListResponse>(cardListResponseSchema),
  ),
  'cards.get': channel('One decision card with its approvals.', obj({ id: shortText(100) }), obj({ card: foreign<DecisionCard>(decisionCardSchema) })),
  'cards.stats': channel(
    'Cards per lane per day and the most often failed invariants (the reviewer charts).',
    obj({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) }),
    foreign<CardStats>(cardStatsSchema),
  ),
};
