// backup.*: back up this device to one encrypted file, and restore a backup onto a fresh device (src/main/features/backup).
import { Type, type Static } from '@sinclair/typebox';
import { channel, enumOf, isoTime, nullable, obj, opId, sha256Hex, str } from './channel';

/** 8–1024 characters: the passphrase the backup's key is derived from (scrypt). */
const passphrase = () => Type.String({ minLength: 8, maxLength: 1024 });

/** What a backup holds, as its manifest says. */
export const backupSummarySchema = obj({
  createdAt: isoTime(),
  device: nullable(str()),
  tenant: nullable(str()),
  attachments: Type.Integer({ minimum: 0 }),
  /** outbox items not yet acknowledged by the server when the backup was made */
  unsent: Type.Integer({ minimum: 0 }),
  auditSeq: Type.Integer({ minimum: 0 }),
  manifestSha256: sha256Hex(),
});
export type BackupSummary = Static<typeof backupSummarySchema>;

export const backupChannels = {
  'backup.create': channel(
    'Back up this device: the database, the attachments and the keys (wrapped under the passphrase), with a manifest and its hash, as one encrypted file in the exports folder. Audited.',
    obj({ passphrase: passphrase(), opId: Type.Optional(opId()) }),
    obj({ path: str(), bytes: Type.Integer({ minimum: 0 }), summary: backupSummarySchema }),
  ),
  'backup.restore': channel(
    'Restore a backup file onto this device, which must still be fresh (no profile, nothing captured): every frame and the manifest are checked first; a tampered, truncated or wrong-passphrase file is refused (BACKUP_REFUSED with details.reason) and nothing changes. The restore finishes when Maestro restarts.',
    obj({ path: Type.String({ minLength: 1, maxLength: 4096 }), passphrase: passphrase(), confirm: Type.Literal(true), opId: Type.Optional(opId()) }),
    obj({ restartRequired: Type.Literal(true), summary: backupSummarySchema }),
  ),
};

export const backupEvents = {
  /** Backup or restore progress, in bytes of the backup file. */
  'backup.progress': obj({
    opId: str(),
    phase: enumOf(['backup', 'restore', 'done']),
    done: Type.Integer({ minimum: 0 }),
    total: Type.Integer({ minimum: 0 }),
  }),
};
