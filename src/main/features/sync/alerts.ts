// Alerts: what a person must be told (a refused receipt, a blocked device, a bundle that did not
// install). Constructed before every feature that raises one; the sync engine lists them in its status.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { SyncStatus } from '../../../shared/api/types';

export class SyncAlerts {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  raise(code: string, message: string, subject = ''): void {
    this.db.prepare('INSERT INTO alerts (at, code, message, subject) VALUES (?, ?, ?, ?)').run(this.clock.now().toISOString(), code, message, subject);
    this.logger.warn('sync alert', { code, subject });
  }

  /** Mark every open alert of this code resolved. */
  resolve(code: string): void {
    this.db.prepare('UPDATE alerts SET resolved = 1 WHERE code = ? AND resolved = 0').run(code);
  }

  /** Whether an alert of this code and subject is open. */
  isOpen(code: string, subject: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM alerts WHERE code = ? AND subject = ? AND resolved = 0').pluck().get(code, subject);
  }

  /** The newest open alerts. */
  open(): SyncStatus['alerts'] {
    return this.db.prepare('SELECT id, at, code, message, subject FROM alerts WHERE resolved = 0 ORDER BY id DESC LIMIT 20').all() as SyncStatus['alerts'];
  }
}
