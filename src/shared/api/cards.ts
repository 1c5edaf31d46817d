// cards.*: decision cards (src/main/features/cards).
import { Type } from '@sinclair/typebox';
import type { DecisionCard } from '../workflow/types';
import type { CardStats } from '../workflow/views';
import { cardListQuerySchema, cardListResponseSchema, cardStatsSchema, decisionCardSchema } from '../workflow/schemas';
import { teamCardPageSchema, teamCardQuerySchema } from '../team/views';
import { channel, foreign, obj, scopedReq, scopedRes, shortText } from './channel';

export const cardsChannels = {
  'cards.list': channel(
    "Decision cards. scope 'device' (default): this device's, filtered by text, lane, status, failed invariant, run, date range, sorted by time, cost or uncertainty. scope 'tenant': every device's of the tenant (this device's and pulled ones), with the same filters and sorts plus the device, with device, user and a decision sent from here. Keyset pages.",
    scopedReq(cardListQuerySchema.properties, teamCardQuerySchema.properties),
    scopedRes(cardListResponseSchema.properties, teamCardPageSchema.properties),
  ),
  'cards.get': channel('One decision card with its approvals.', obj({ id: shortText(100) }), obj({ card: foreign<DecisionCard>(decisionCardSchema) })),
  'cards.stats': channel(
    "Cards per lane per day and the most often failed invariants (the reviewer charts). scope 'tenant': this device's and the pulled cards together.",
    obj({
      days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
      scope: Type.Optional(Type.Union([Type.Literal('device'), Type.Literal('tenant')])),
    }),
    foreign<CardStats>(cardStatsSchema),
  ),
};
