import { statSync } from 'node:fs';
import type { Db } from './connection';
import type { HealthRegistry } from '../health';
import { schemaVersion } from './connection';
import { msg } from '../../../shared/messages';

export function registerDbHealth(db: Db, health: HealthRegistry): void {
  health.register('db.store', () => {
    const quick = db.pragma('quick_check', { simple: true }) as string;
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    let walBytes = 0;
    try {
      walBytes = db.name === ':memory:' ? 0 : statSync(`${db.name}-wal`).size;
    } catch {
      walBytes = 0;
    }
    const sizeBytes = pageCount * pageSize;
    const figures = { sizeBytes, walBytes, schemaVersion: schemaVersion(db), quickCheck: quick };
    // The summary in English for logs; the messages (health.check.db.store.*) for the view.
    const kib = Math.round(sizeBytes / 1024);
    return quick === 'ok'
      ? { service: 'db', status: 'ok', summary: `Database is healthy (${kib} KiB).`, messages: [msg('health.check.db.store.healthy', { kib })], figures }
      : {
          service: 'db',
          status: 'error',
          summary: `SQLite quick_check reports a problem: ${quick}`,
          messages: [msg('health.check.db.store.problem', { problem: quick })],
          figures,
        };
  });
}
