// system.*: what the app is and how its services are doing (no feature owns these).
import { Type, type Static } from '@sinclair/typebox';
import { channel, empty, enumOf, isoTime, obj, str } from './channel';
import { messageSchema } from '../messages';

export const checkStatusSchema = enumOf(['ok', 'warn', 'error']);
export type CheckStatus = Static<typeof checkStatusSchema>;

export const healthCheckSchema = obj({
  id: str(),
  service: str(),
  status: checkStatusSchema,
  summary: str(),
  /** The summary as messages (shared/messages.ts), when the check has them: what the UI shows, in the user's language. */
  messages: Type.Optional(Type.Array(messageSchema)),
  figures: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])),
});
export type HealthCheck = Static<typeof healthCheckSchema>;

export const healthReportSchema = obj({ status: checkStatusSchema, checkedAt: isoTime(), checks: Type.Array(healthCheckSchema) });
export type HealthReport = Static<typeof healthReportSchema>;

export const systemInfoSchema = obj({
  version: str(),
  host: enumOf(['electron', 'web']),
  dataDir: str(),
  platform: str(),
  schemaVersion: Type.Integer(),
});
export type SystemInfo = Static<typeof systemInfoSchema>;

export const unlockResultSchema = obj({ unlocked: Type.Literal(true) });

export const systemChannels = {
  'system.info': channel('App version, host kind and data directory.', empty, systemInfoSchema),
  'system.health': channel('Every registered service check with status, figures and a sentence.', empty, healthReportSchema),
  'system.unlock': channel(
    'Open an app that started locked (no OS keychain, no MAESTRO_VAULT_PASSPHRASE): the vault passphrase unlocks the at-rest key, then the app starts. Already open: answers at once.',
    obj({ passphrase: Type.String({ minLength: 1, maxLength: 1024 }) }),
    unlockResultSchema,
  ),
};
