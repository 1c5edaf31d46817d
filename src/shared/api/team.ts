// team.*: team sync: status, pull, peers, refusals, other devices' captures (src/main/features/team, docs/security.md).
// The tenant's cards and runs, and decisions on another device's run, are cards.* and runs.* with scope 'tenant'.
import { Type } from '@sinclair/typebox';
import type { TeamDirectory, TeamPage, TeamPeer, TeamRecordView, TeamRefusal, TeamStatus } from '../team/views';
import { teamDirectorySchema, teamPeerSchema, teamRecordPageSchema, teamRecordQuerySchema, teamRefusalSchema, teamStatusSchema } from '../team/view-schemas';
import { channel, empty, foreign, obj, shortText } from './channel';

const teamStatus = foreign<TeamStatus>(teamStatusSchema);

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
  'team.refusals': channel(
    'Approvals, keys and certificates this device refused, newest first.',
    obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
    obj({ items: Type.Array(foreign<TeamRefusal>(teamRefusalSchema)) }),
  ),
  'team.peers': channel('Devices of the tenant whose certificates this device knows.', empty, obj({ items: Type.Array(foreign<TeamPeer>(teamPeerSchema)) })),
  /** Names for ids: this device's profile, known devices' users, the profile ids their runs carry. */
  'team.directory': channel(
    'Who is who: this device (profile name), the devices whose certificates this device knows (enrolled user), and the profile ids their shared runs carry; for showing people and devices by name.',
    empty,
    foreign<TeamDirectory>(teamDirectorySchema),
  ),
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
