// What the renderer sees of team sync (channels team.*), declared once with TypeBox: the JSON
// Schemas (re-exported by ./view-schemas.ts) and the types.
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { constOf, enumOf, nullable, obj } from '../typebox';
import { CARD_STATUSES, decisionCardSchema, LANES, RUN_STATUSES } from '../workflow/types';
import { CARD_SORTS, runSummarySchema } from '../workflow/views';
import { teamRoleSchema } from './certificate';

const str = Type.String();
const count = Type.Integer({ minimum: 0 });
const bool = Type.Boolean();
const roles = Type.Array(teamRoleSchema);
const certStatus = enumOf(['active', 'revoked']);
const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const limit = Type.Integer({ minimum: 1, maximum: 500 });

export const teamStatusSchema = obj({
  enrolled: bool,
  /** this device's id on the server */
  device: nullable(str),
  /** this device's latest certificate */
  certificate: nullable(obj({ version: count, roles, status: certStatus, expiresAt: str, hasEncryptionKey: bool })),
  keys: obj({
    /** tenant key versions this device holds */
    versions: Type.Array(count),
    current: nullable(count),
    /** true while no tenant key has reached this device: new items wait (queued, unsealed) */
    waitingForKey: bool,
    /** admin devices create the first tenant key and wrap keys for the other devices */
    admin: bool,
  }),
  pull: obj({
    /** the server seq this device has applied up to */
    cursor: count,
    /** when the last pull finished (this device's clock) */
    lastPullAt: nullable(str),
    /** the server's time in that pull's last page */
    lastServerTime: nullable(str),
    /** items applied by pulls so far */
    applied: count,
    /** long-poll loop running */
    live: bool,
    /** the pull stopped here: a gap, or an item that did not decrypt or verify; never skipped silently */
    stopped: nullable(obj({ seq: count, code: str, message: str, at: str })),
  }),
  /** approvals and rejections this device refused (bad signature, revoked certificate, wrong run …) */
  refused: count,
  /** devices whose certificates this device knows */
  peers: count,
});
export type TeamStatus = Static<typeof teamStatusSchema>;

/** Where an approval made on this device stands. */
const teamDecisionStateSchema = enumOf(['queued', 'accepted', 'conflict', 'applied', 'refused']);
export type TeamDecisionState = Static<typeof teamDecisionStateSchema>;

/** an approval or rejection sent from this device for this card */
const decision = nullable(obj({ state: teamDecisionStateSchema, decision: enumOf(['approved', 'rejected']), at: str, message: nullable(str) }));

export const teamCardViewSchema = obj({
  /** the device that recorded the card and the user enrolled on it */
  device: str,
  user: str,
  /** true: recorded on this device */
  local: bool,
  card: decisionCardSchema,
  /** when this device received it (local cards: when recorded) */
  receivedAt: str,
  decision,
});
export type TeamCardView = Static<typeof teamCardViewSchema>;

export const teamRunViewSchema = obj({
  device: str,
  user: str,
  local: bool,
  run: runSummarySchema,
  /** the card the run waits on, when it waits */
  awaitingCard: nullable(str),
  receivedAt: str,
  decision,
});
export type TeamRunView = Static<typeof teamRunViewSchema>;

const page = <T extends TSchema>(item: T) =>
  obj({
    items: Type.Array(item),
    nextBefore: nullable(str),
    /** sync freshness: the last pull (null: never pulled) */
    asOf: nullable(str),
  });
/** A page of a team list: generic in its items, so declared through the `page` schema builder. */
export type TeamPage<T> = Static<ReturnType<typeof page<TUnsafe<T>>>>;
export const teamCardPageSchema = page(teamCardViewSchema);
export const teamRunPageSchema = page(teamRunViewSchema);

export const teamCardQuerySchema = obj({
  status: Type.Optional(enumOf(CARD_STATUSES)),
  lane: Type.Optional(enumOf(LANES)),
  device: Type.Optional(text(64)),
  runId: Type.Optional(text(64)),
  /** words in subject or rationale */
  q: Type.Optional(Type.String({ maxLength: 200 })),
  /** cards where this invariant failed */
  failedInvariant: Type.Optional(Type.String({ maxLength: 200 })),
  /** created at or after / at or before (ISO) */
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  /** time (default), cost or uncertainty of the chosen option: the same sorts as this device's list */
  sort: Type.Optional(enumOf(CARD_SORTS)),
  /** desc (default) or asc */
  dir: Type.Optional(enumOf(['asc', 'desc'])),
  /** 1..500, default 100 */
  limit: Type.Optional(limit),
  /** keyset cursor from the previous page (for the same sort and order) */
  before: Type.Optional(text(400)),
});
export type TeamCardQuery = Static<typeof teamCardQuerySchema>;

export const teamRunQuerySchema = obj({
  status: Type.Optional(enumOf(RUN_STATUSES)),
  device: Type.Optional(text(64)),
  limit: Type.Optional(limit),
  before: Type.Optional(text(200)),
});
export type TeamRunQuery = Static<typeof teamRunQuerySchema>;

export const teamRefusalSchema = obj({
  id: count,
  at: str,
  seq: nullable(count),
  kind: enumOf(['approval', 'key', 'cert', 'item']),
  from: nullable(str),
  subject: nullable(str),
  code: str,
  message: str,
});
export type TeamRefusal = Static<typeof teamRefusalSchema>;

export const teamPeerSchema = obj({ device: str, user: str, roles, status: certStatus, certVersion: count, expiresAt: str, hasEncryptionKey: bool });
export type TeamPeer = Static<typeof teamPeerSchema>;

export const teamDecideRequestSchema = obj({
  device: text(64),
  runId: text(64),
  cardId: text(64),
  decision: enumOf(['approve', 'reject']),
  comment: Type.String({ minLength: 1, maxLength: 2000 }),
  confirm: constOf(true),
});

/** A capture (record or attachment) another device of the tenant sent, as pulled. */
const teamRecordViewSchema = obj({
  device: str,
  user: str,
  kind: enumOf(['record', 'attachment']),
  /** record id, or the attachment's sha256 ref */
  id: str,
  contract: str,
  createdAt: str,
  receivedAt: str,
  /** the record's data; for an attachment {hash, name, mime, size} */
  data: Type.Unknown(),
});
export type TeamRecordView = Static<typeof teamRecordViewSchema>;
export const teamRecordPageSchema = page(teamRecordViewSchema);
export const teamRecordQuerySchema = obj({ device: Type.Optional(text(64)), limit: Type.Optional(limit), before: Type.Optional(text(200)) });

/**
 * Who is who, for showing people and devices by name (src/renderer/ui/Who.tsx): this device (its
 * profile's name), the devices whose certificates this device knows (the user their enrollment token
 * named), and the profile ids those devices' shared runs carry (one profile per device).
 */
export const teamPersonSchema = obj({
  device: str,
  /** the profile's own name (this device only; other devices share no profile name) */
  name: nullable(str),
  /** the user the device was enrolled for (its certificate) */
  user: nullable(str),
  /** profile ids seen for this device (prof_…) */
  profiles: Type.Array(str),
  /** true: this device */
  local: bool,
});
export type TeamPerson = Static<typeof teamPersonSchema>;
export const teamDirectorySchema = obj({ people: Type.Array(teamPersonSchema) });
export type TeamDirectory = Static<typeof teamDirectorySchema>;
