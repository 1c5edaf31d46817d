import type { Db } from '../../platform/db/connection';
import type { Role } from '../../../shared/api/types';

/** The profile's role follows this device's certificate (team sync: a newer certificate changed its roles). */
export function setProfileRole(db: Db, role: Role): void {
  db.prepare('UPDATE profile SET role = ? WHERE singleton = 1').run(role);
}
