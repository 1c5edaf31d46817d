import type { Db } from '../../platform/db/connection';

/** Resolve the open alerts about a subject (team sync: the pulled item someone skipped). */
export function resolveAlertsAbout(db: Db, subject: string): void {
  db.prepare('UPDATE alerts SET resolved = 1 WHERE subject = ? AND resolved = 0').run(subject);
}
