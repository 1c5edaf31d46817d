// governance.*: this device's risk and what it may do now (src/main/features/governance).
import { Type, type Static } from '@sinclair/typebox';
import { channel, empty, enumOf, nullable, obj, str } from './channel';
import { messageSchema } from '../messages';

const level = () => enumOf(['low', 'medium', 'high', 'critical']);

export const governanceStatusSchema = obj({
  risk: obj({ level: level(), reasons: Type.Array(messageSchema), allowedActions: Type.Array(enumOf(['read', 'capture', 'draft', 'submit', 'sync'])) }),
  /** The trusted time: never earlier than a time already seen (clock rollback does not help). */
  now: str(),
  clockRolledBack: Type.Boolean(),
  lastSyncAt: nullable(str()),
  submitFreshnessHours: Type.Integer(),
  freshForSubmit: Type.Boolean(),
  pendingCount: Type.Integer(),
  /** What this device may do now: the risk's actions, less submit while the last sync is too old, less sync before enrollment or while blocked. */
  allowedNow: Type.Array(enumOf(['read', 'capture', 'draft', 'submit', 'sync'])),
  /** allowedNow as messages, with what rules the rest out (src/shared/risk/device-state.ts). */
  allowedSentence: Type.Array(messageSchema),
  /** The device's state (enrollment, sync, risk) as messages, one per sentence: what the Outbox and Health say. */
  summary: Type.Array(messageSchema),
  /** What the sync server last said about this device (null until it said anything). Its flags are part of `risk`. */
  server: nullable(
    obj({
      blocked: Type.Boolean(),
      blockedAt: nullable(str()),
      blockedReason: nullable(str()),
      updateRequired: Type.Boolean(),
      /** The server's own evaluation (tenant policy), as of `at`. */
      risk: obj({ level: level(), reasons: Type.Array(messageSchema) }),
      /** When this device received it. */
      at: str(),
    }),
  ),
});
export type GovernanceStatus = Static<typeof governanceStatusSchema>;

export const governanceChannels = {
  'governance.status': channel("This device's risk level with reasons, allowed actions and whether a submit is possible now.", empty, governanceStatusSchema),
};
