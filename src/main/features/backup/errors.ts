// Why a backup was refused: one code (BACKUP_REFUSED), the reason in details for the UI and for tests.
import { ApiError } from '../../../shared/errors';

export type BackupRefusal = 'not_a_backup' | 'wrong_passphrase' | 'tampered' | 'truncated' | 'manifest_mismatch' | 'not_fresh' | 'keystore_locked';

export class BackupRefused extends ApiError {
  constructor(
    readonly reason: BackupRefusal,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super('BACKUP_REFUSED', message, { reason, ...extra });
  }
}
