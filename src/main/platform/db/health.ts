import { statSync } from 'node:fs';
import type { Db } from './connection';
import type { HealthRegistry } from '../health';
import { schemaVersion } from './connection';
import { msg } from '../../../shared/messages';
import { quickCheckOffThread } from './quick-check';

/** Up to this size quick_check runs inline at every Health refresh (tens of ms), as it always did. */
export const INLINE_CHECK_MAX_BYTES = 32 * 1024 * 1024;
/** A bigger database is checked on a worker at most this often, and whenever Health asks after that. */
export const CHECK_EVERY_MS = 6 * 3_600_000;

export interface DbCheck {
  /** Run quick_check now, on a worker (a file database) or inline (in memory); one at a time. */
  refresh(): Promise<void>;
}

export interface DbHealthOptions {
  /** The at-rest key, for the worker's own connection. */
  key?: Buffer;
  now?: () => Date;
  inlineMaxBytes?: number;
  everyMs?: number;
  onError?: (err: Error) => void;
}

/**
 * `db.store`: size, WAL, schema version and quick_check. A small database is checked inline at each
 * refresh; a big one (a year of field work: gigabytes, seconds per check) on a worker thread, at most
 * every `everyMs` and when Health asks after that: Health shows the last result and its time
 * (`quickCheckAt`), "checking" until the first one is in. A problem found is reported either way.
 */
export function registerDbHealth(db: Db, health: HealthRegistry, o: DbHealthOptions = {}): DbCheck {
  const now = o.now ?? (() => new Date());
  const inlineMax = o.inlineMaxBytes ?? INLINE_CHECK_MAX_BYTES;
  const every = o.everyMs ?? CHECK_EVERY_MS;
  let last: { result: string; at: Date } | null = null;
  let running: Promise<void> | null = null;
  const refresh = (): Promise<void> =>
    (running ??= (db.memory ? Promise.resolve(db.pragma('quick_check', { simple: true }) as string) : quickCheckOffThread(db.name, o.key))
      .then((result) => void (last = { result, at: now() }))
      .finally(() => (running = null)));
  const background = () => void refresh().catch((e: unknown) => o.onError?.(e as Error));
  health.register('db.store', () => {
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    let walBytes = 0;
    try {
      walBytes = db.memory ? 0 : statSync(`${db.name}-wal`).size;
    } catch {
      walBytes = 0;
    }
    const sizeBytes = pageCount * pageSize;
    if (sizeBytes <= inlineMax) last = { result: db.pragma('quick_check', { simple: true }) as string, at: now() };
    else if (!last || now().getTime() - last.at.getTime() >= every) background();
    const kib = Math.round(sizeBytes / 1024);
    const figures = {
      sizeBytes,
      walBytes,
      schemaVersion: schemaVersion(db),
      quickCheck: last?.result ?? 'pending',
      quickCheckAt: last?.at.toISOString() ?? null,
    };
    // The summary in English for logs; the messages (health.check.db.store.*) for the view.
    if (!last)
      return {
        service: 'db',
        status: 'ok',
        summary: `Database integrity check is running (${kib} KiB).`,
        messages: [msg('health.check.db.store.checking', { kib })],
        figures,
      };
    const quick = last.result;
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
  return { refresh };
}
