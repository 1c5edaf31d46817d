// team.*: team sync, views of the whole tenant and remote approvals (src/main/features/team, docs/security.md).
import { Type } from '@sinclair/typebox';
import type { TeamCardQuery, TeamCardView, TeamPage, TeamPeer, TeamRecordView, TeamRefusal, TeamRunQuery, TeamRunView, TeamStatus } from '../team/views';
import {
  teamCardPageSchema,
  teamCardQuerySchema,
  teamCardViewSchema,
  teamDecideRequestSchema,
  teamPeerSchema,
  teamRecordPageSchema,
  teamRecordQuerySchema,
  teamRefusalSchema,
  teamRunPageSchema,
  teamRunQuerySchema,
  teamRunViewSchema,
  teamStatusSchema,
} from '../team/view-schemas';
import { channel, empty, foreign, obj, shortText, str } from './channel';

const teamStatus = foreign<TeamStatus>(teamStatusSchema);

export type TeamDecideRequest = { device: string; runId: string; cardId: string; decision: 'approve' | 'reject'; comment: string; confirm: true };
export type TeamRecordQuery = { device?: string; limit?: number; before?: string };

export const teamChannels = {
  'team.status': channel('Team sync: certificate, tenant key versions held, pull cursor and freshness, a stopped pull, refusals.', empty, teamStatus),
  /** Pull now (and, on an admin device, wrap tenant keys for devices that lack them). */
  'team.pull': channel('Pull changes now (an admin device also wraps tenant keys for devices that lack them).', empty, teamStatus),
  /** Skip the item a stopped pull is held at (reason, confirm; audited): never silent. */
  'team.skip': channel(
    'Skip the item a stopped pull is held at (reason and confirm; audited). Nothing is ever skipped silently.',
    obj({ seq: Type.Integer({ minimum: 1 }), reason: shortText(500), confirm: Type.Literal(true) }),
    teamStatus,
  ),
  'team.cards': channel(
    "Decision cards of every device of the tenant (this device's and pulled ones), newest first, with device and user.",
    foreign<TeamCardQuery>(teamCardQuerySchema),
    foreign<TeamPage<TeamCardView>>(teamCardPageSchema),
  ),
  'team.runs': channel(
    'Runs of every device of the tenant, newest first, with device, user and approval state.',
    foreign<TeamRunQuery>(teamRunQuerySchema),
    foreign<TeamPage<TeamRunView>>(teamRunPageSchema),
  ),
  'team.run': channel(
    'One run of the tenant (local or pulled) with its cards.',
    obj({ device: shortText(64), runId: shortText(64) }),
    obj({ run: foreign<TeamRunView>(teamRunViewSchema), cards: Type.Array(foreign<TeamCardView>(teamCardViewSchema)) }),
  ),
  /** Approve or reject a run waiting on another device (reviewer / admin): signed, encrypted, queued. */
  'team.decide': channel(
    'Approve or reject a run waiting on another device: signed by this device under its certificate, encrypted to the tenant key, queued for sync (reviewer or admin).',
    foreign<TeamDecideRequest>(teamDecideRequestSchema),
    obj({ approvalId: str(), state: Type.Literal('queued') }),
  ),
  'team.refusals': channel(
    'Approvals, keys and certificates this device refused, newest first.',
    obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
    obj({ items: Type.Array(foreign<TeamRefusal>(teamRefusalSchema)) }),
  ),
  'team.peers': channel('Devices of the tenant whose certificates this device knows.', empty, obj({ items: Type.Array(foreign<TeamPeer>(teamPeerSchema)) })),
  /** Captures other devices of the tenant sent (reviewers and admins), newest first. */
  'team.records': channel(
    'Captures (records, attachments) other devices of the tenant sent, as pulled; newest first.',
    foreign<TeamRecordQuery>(teamRecordQuerySchema),
    foreign<TeamPage<TeamRecordView>>(teamRecordPageSchema),
  ),
};

export const teamEvents = {
  /** A pull applied items or stopped; a decision made here changed state. */
  'team.changed': obj({ cursor: Type.Integer({ minimum: 0 }), applied: Type.Integer({ minimum: 0 }), stopped: Type.Boolean() }),
};
