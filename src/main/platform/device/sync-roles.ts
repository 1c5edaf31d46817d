import type { Db } from '../db/connection';
import type { Role } from '../../../shared/api/types';

/** A newer certificate of this device changed its roles (team sync). */
export function writeSyncRoles(db: Db, roles: readonly Role[]): void {
  db.prepare('UPDATE sync_config SET roles = ? WHERE singleton = 1').run(JSON.stringify(roles));
}
