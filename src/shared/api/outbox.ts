// outbox.*: items waiting to be sent (src/main/features/outbox).
import { Type, type Static } from '@sinclair/typebox';
import { storedErrorSchema } from '../error-messages';
import { channel, enumOf, nullable, obj, str, ulid } from './channel';

export const outboxStateSchema = enumOf(['queued', 'acked', 'dead', 'blocked', 'discarded']);
export type OutboxState = Static<typeof outboxStateSchema>;

export const outboxItemSchema = obj({
  id: str(),
  idempotencyKey: str(),
  kind: enumOf(['record', 'attachment', 'run', 'card', 'approval']),
  contract: str(),
  recordId: nullable(str()),
  attachmentHash: nullable(str()),
  createdAt: str(),
  state: outboxStateSchema,
  attempts: Type.Integer(),
  nextAttemptAt: str(),
  /** A message code and params (decision 0030); a row from before holds a plain sentence. */
  lastError: nullable(storedErrorSchema),
  contentHash: nullable(str()),
  serverSeq: nullable(Type.Integer()),
  receiptVerified: Type.Boolean(),
  receiptId: nullable(str()),
  ackedAt: nullable(str()),
  requiredVersion: nullable(str()),
  summary: str(),
});
export type OutboxItem = Static<typeof outboxItemSchema>;

/** Items per state. */
export const outboxCountsSchema = obj({
  queued: Type.Integer(),
  acked: Type.Integer(),
  dead: Type.Integer(),
  blocked: Type.Integer(),
  discarded: Type.Integer(),
});

export const outboxChannels = {
  'outbox.list': channel(
    'Outbox items (newest first) and counts per state.',
    obj({ state: Type.Optional(outboxStateSchema), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), beforeId: Type.Optional(ulid()) }),
    obj({ items: Type.Array(outboxItemSchema), counts: outboxCountsSchema }),
  ),
  'outbox.retry': channel('Put a dead-lettered or blocked item back in the queue.', obj({ id: ulid() }), obj({ item: outboxItemSchema })),
  'outbox.discard': channel(
    'Discard a dead-lettered or blocked item (confirmed, audited).',
    obj({ id: ulid(), reason: Type.String({ minLength: 3, maxLength: 500 }), confirm: Type.Literal(true) }),
    obj({ item: outboxItemSchema }),
  ),
};
