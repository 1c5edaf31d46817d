// audit.*: the hash-chained audit log (src/main/platform/audit).
import { Type, type Static } from '@sinclair/typebox';
import { channel, empty, enumOf, isoTime, nullable, obj, sha256Hex, str } from './channel';

/** A stored entry: the hashed body (src/shared/audit-hash.ts AuditEntryBody) plus its hash. */
export const auditEntrySchema = obj({
  seq: Type.Integer({ minimum: 1 }),
  ts: str(),
  actor: str(),
  action: str(),
  subject: str(),
  payload: Type.Unknown(),
  prevHash: str(),
  hash: str(),
});
export type AuditEntry = Static<typeof auditEntrySchema>;

/** anchor_invalid: the server checkpoint sealed in the secret store is unreadable or does not verify. */
export const auditBreakReasonSchema = enumOf(['payload_altered', 'link_broken', 'seq_gap', 'truncated_tail', 'malformed_row', 'anchor_invalid']);

export const auditHeadSchema = obj({ seq: Type.Integer({ minimum: 0 }), hash: sha256Hex() });
export type AuditHead = Static<typeof auditHeadSchema>;

export const auditVerifyResultSchema = obj({
  valid: Type.Boolean(),
  checked: Type.Integer({ minimum: 0 }),
  head: nullable(auditHeadSchema),
  firstBad: nullable(obj({ seq: Type.Integer(), reason: auditBreakReasonSchema, message: str() })),
  /**
   * The newest server-countersigned checkpoint (sealed in the secret store) the chain matched: entries
   * up to `seq` are proven; null before the first sync that anchored the log.
   */
  anchored: Type.Optional(nullable(obj({ seq: Type.Integer({ minimum: 1 }), time: str() }))),
  /** Entries after the anchor: consistent on this device, but not yet proven by the server. */
  unanchored: Type.Optional(Type.Integer({ minimum: 0 })),
  verifiedAt: isoTime(),
  durationMs: Type.Number({ minimum: 0 }),
});
export type AuditVerifyResult = Static<typeof auditVerifyResultSchema>;

const entryRes = obj({ entry: auditEntrySchema });

export const auditChannels = {
  'audit.append': channel(
    'Append a user-authored note; the actor is always the local profile.',
    obj({ note: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }), subject: Type.Optional(Type.String({ maxLength: 200 })) }),
    entryRes,
  ),
  'audit.list': channel(
    'Page through the audit log, newest first, filtered by action, actor and time.',
    obj({
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
      beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
      action: Type.Optional(Type.String({ maxLength: 100 })),
      actor: Type.Optional(Type.String({ maxLength: 200 })),
      fromTs: Type.Optional(isoTime()),
      toTs: Type.Optional(isoTime()),
    }),
    obj({
      entries: Type.Array(auditEntrySchema),
      // Filtered lists count up to 10,000 matches (a count of 1M took ~1.5 s per page): past that,
      // total is 10,000 and totalCapped is true ("10,000+").
      total: Type.Integer({ minimum: 0 }),
      totalCapped: Type.Optional(Type.Boolean()),
      nextBeforeSeq: nullable(Type.Integer()),
    }),
  ),
  'audit.get': channel('One audit entry by seq.', obj({ seq: Type.Integer({ minimum: 1 }) }), entryRes),
  'audit.facets': channel('Distinct actions and actors, for filters.', empty, obj({ actions: Type.Array(str()), actors: Type.Array(str()) })),
  'audit.verify': channel(
    'Recompute the hash chain; valid, or the first bad seq and why.',
    obj({ knownHead: Type.Optional(auditHeadSchema) }),
    auditVerifyResultSchema,
  ),
};

export const auditEvents = {
  'audit.appended': obj({ seq: Type.Integer(), hash: sha256Hex(), action: str() }),
  'audit.verified': auditVerifyResultSchema,
  'audit.verify.progress': obj({ checked: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) }),
};
