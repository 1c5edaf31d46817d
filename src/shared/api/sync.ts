// sync.*: enrollment and sending the outbox (src/main/features/sync).
import { Type, type Static } from '@sinclair/typebox';
import { storedErrorSchema } from '../error-messages';
import { messageSchema } from '../messages';
import { channel, empty, enumOf, nullable, obj, str } from './channel';
import { outboxCountsSchema } from './outbox';
import { roleSchema } from './profile';

export const syncPhaseSchema = enumOf(['not_enrolled', 'locked', 'idle', 'offline', 'syncing', 'error']);
export type SyncPhase = Static<typeof syncPhaseSchema>;

const int = () => Type.Integer();

export const syncStatusSchema = obj({
  phase: syncPhaseSchema,
  enrolled: nullable(
    obj({ serverUrl: str(), deviceId: str(), tenant: str(), user: str(), roles: Type.Array(roleSchema), serverKeyId: str(), enrolledAt: str() }),
  ),
  reachable: Type.Union([Type.Boolean(), Type.Null()]),
  lastSyncAt: nullable(str()),
  /** A message code and params (decision 0030); a row from before holds a plain sentence. */
  lastError: nullable(storedErrorSchema),
  counts: outboxCountsSchema,
  progress: nullable(obj({ itemsTotal: int(), itemsDone: int(), bytesTotal: int(), bytesDone: int() })),
  /** `note`: where the keys are kept, as a message (decision 0030). */
  keyStore: obj({ kind: enumOf(['keychain', 'vault']), locked: Type.Boolean(), note: messageSchema }),
  /** `message`: what happened as a message code and params (decision 0030); a row from before holds a plain sentence. */
  alerts: Type.Array(obj({ id: int(), at: str(), code: str(), message: storedErrorSchema, subject: str() })),
  anchor: nullable(obj({ seq: int(), head: str(), time: str() })),
});
export type SyncStatus = Static<typeof syncStatusSchema>;

export const syncChannels = {
  'sync.status': channel('Enrollment, reachability, queue counts, progress, key store, alerts.', empty, syncStatusSchema),
  'sync.now': channel('Send everything queued now; resolves when the run ends.', empty, syncStatusSchema),
  'sync.enroll': channel(
    'Enroll this device with a one-time token from an admin.',
    obj({ serverUrl: Type.String({ pattern: '^https?://', maxLength: 300 }), token: Type.String({ minLength: 16, maxLength: 200 }) }),
    syncStatusSchema,
  ),
  'sync.rotateKey': channel('New data-key version for new items; old versions are kept to decrypt.', empty, obj({ tenant: str(), version: int() })),
};

export const syncEvents = {
  'sync.status': syncStatusSchema,
};
