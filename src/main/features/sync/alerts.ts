// Alerts: what a person must be told (a refused receipt, a blocked device, a bundle that did not
// install). Constructed before every feature that raises one; the sync engine lists them in its status.
// An alert says what happened as a message (decision 0030), stored as JSON in its row; the renderer
// puts it into words. A row written before messages holds a plain sentence, listed as it is.
import { prepared, type Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { SyncStatus } from '../../../shared/api/types';
import { decodeStoredError, encodeStoredError } from '../../../shared/error-messages';
import { messageForLog, type Message } from '../../../shared/messages';

export class SyncAlerts {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  raise(code: string, message: Message, subject = ''): void {
    this.db
      .prepare('INSERT INTO alerts (at, code, message, subject) VALUES (?, ?, ?, ?)')
      .run(this.clock.now().toISOString(), code, encodeStoredError(message), subject);
    this.logger.warn('sync alert', { code, subject, message: messageForLog(message) });
  }

  /** Mark every open alert of this code resolved. */
  resolve(code: string): void {
    this.db.prepare('UPDATE alerts SET resolved = 1 WHERE code = ? AND resolved = 0').run(code);
  }

  /** Whether an alert of this code and subject is open. */
  isOpen(code: string, subject: string): boolean {
    return !!prepared(this.db, 'SELECT 1 FROM alerts WHERE code = ? AND subject = ? AND resolved = 0').pluck().get(code, subject);
  }

  /** The newest open alerts. */
  open(): SyncStatus['alerts'] {
    const rows = this.db.prepare('SELECT id, at, code, message, subject FROM alerts WHERE resolved = 0 ORDER BY id DESC LIMIT 20').all() as {
      id: number;
      at: string;
      code: string;
      message: string;
      subject: string;
    }[];
    return rows.map((r) => ({ ...r, message: decodeStoredError(r.message) ?? '' }));
  }
}
