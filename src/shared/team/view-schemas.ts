// JSON Schemas of the team.* channels' views (./views.ts).
import { decisionCardSchema, runSummarySchema } from '../workflow/schemas';
import { CARD_STATUSES, LANES, RUN_STATUSES } from '../workflow/types';

type Schema = Record<string, unknown>;
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer', minimum: 0 };
const nullable = (s: Schema): Schema => ({ anyOf: [{ type: 'null' }, s] });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const roles: Schema = arr({ enum: ['field', 'reviewer', 'admin'] });
const text = (max: number): Schema => ({ type: 'string', minLength: 1, maxLength: max });

export const teamStatusSchema = obj({
  enrolled: { type: 'boolean' },
  device: nullable(str),
  certificate: nullable(obj({ version: int, roles, status: { enum: ['active', 'revoked'] }, expiresAt: str, hasEncryptionKey: { type: 'boolean' } })),
  keys: obj({ versions: arr(int), current: nullable(int), waitingForKey: { type: 'boolean' }, admin: { type: 'boolean' } }),
  pull: obj({
    cursor: int,
    lastPullAt: nullable(str),
    lastServerTime: nullable(str),
    applied: int,
    live: { type: 'boolean' },
    stopped: nullable(obj({ seq: int, code: str, message: str, at: str })),
  }),
  refused: int,
  peers: int,
});

const decision: Schema = nullable(
  obj({
    state: { enum: ['queued', 'accepted', 'conflict', 'applied', 'refused'] },
    decision: { enum: ['approved', 'rejected'] },
    at: str,
    message: nullable(str),
  }),
);

export const teamCardViewSchema = obj({ device: str, user: str, local: { type: 'boolean' }, card: decisionCardSchema, receivedAt: str, decision });
export const teamRunViewSchema = obj({
  device: str,
  user: str,
  local: { type: 'boolean' },
  run: runSummarySchema,
  awaitingCard: nullable(str),
  receivedAt: str,
  decision,
});

const page = (item: Schema): Schema => obj({ items: arr(item), nextBefore: nullable(str), asOf: nullable(str) });
export const teamCardPageSchema = page(teamCardViewSchema);
export const teamRunPageSchema = page(teamRunViewSchema);

export const teamCardQuerySchema = obj(
  {
    status: { enum: [...CARD_STATUSES] },
    lane: { enum: [...LANES] },
    device: text(64),
    runId: text(64),
    q: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    before: text(200),
  },
  [],
);
export const teamRunQuerySchema = obj(
  { status: { enum: [...RUN_STATUSES] }, device: text(64), limit: { type: 'integer', minimum: 1, maximum: 500 }, before: text(200) },
  [],
);

export const teamRefusalSchema = obj({
  id: int,
  at: str,
  seq: nullable(int),
  kind: { enum: ['approval', 'key', 'cert', 'item'] },
  from: nullable(str),
  subject: nullable(str),
  code: str,
  message: str,
});
export const teamPeerSchema = obj({
  device: str,
  user: str,
  roles,
  status: { enum: ['active', 'revoked'] },
  certVersion: int,
  expiresAt: str,
  hasEncryptionKey: { type: 'boolean' },
});

export const teamDecideRequestSchema = obj({
  device: text(64),
  runId: text(64),
  cardId: text(64),
  decision: { enum: ['approve', 'reject'] },
  comment: { type: 'string', minLength: 1, maxLength: 2000 },
  confirm: { const: true },
});

export const teamRecordViewSchema = obj({
  device: str,
  user: str,
  kind: { enum: ['record', 'attachment'] },
  id: str,
  contract: str,
  createdAt: str,
  receivedAt: str,
  data: {},
});
export const teamRecordPageSchema = page(teamRecordViewSchema);
export const teamRecordQuerySchema = obj({ device: text(64), limit: { type: 'integer', minimum: 1, maximum: 500 }, before: text(200) }, []);
