// Helpers the SQLite storage's modules share.
import type Database from 'better-sqlite3';
import { SCHEMA_VERSION } from './migrations';
import type { StorageHealth, StorageReadiness } from './types';

/**
 * SQLite plans by table statistics only once ANALYZE has run; without them the admin list, its
 * search and the risk refresh fall back to reading a whole tenant (several times slower at 100k
 * devices). PRAGMA optimize runs a bounded ANALYZE (sampled, milliseconds) on the tables whose
 * size changed enough since their last one: at open, and before an admin read at most this often.
 */
export const OPTIMIZE_INTERVAL_MS = 3_600_000;
/** 0x10000: every table, not only those this connection queried; 0x2: ANALYZE where it helps. */
export const OPTIMIZE = 'optimize=0x10002';

/** receipt_sig of a row an older server wrote before its signature and lost to a crash (decision 0038). */
export const UNSIGNED = '';

export const pendingKey = (tenant: string, key: string): string => `${tenant}\u0000${key}`;

export interface StoredRow {
  server_seq: number;
  idempotency_key: string;
  content_hash: string;
  receipt_json: string;
  receipt_sig: string;
}

/** For /readyz: a trivial query and the schema version (one process: no compatibility floor); no integrity check. */
export function readiness(db: Database.Database): StorageReadiness {
  try {
    return { db: true, schema: db.pragma('user_version', { simple: true }) === SCHEMA_VERSION };
  } catch {
    return { db: false, schema: false };
  }
}

export function health(db: Database.Database): StorageHealth {
  try {
    // quick_check returns one row "ok", or one row per problem found.
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const detail = rows.map((r) => r.quick_check).join('; ') || 'no result';
    // Logical size (pages in use); excludes the WAL, which checkpoints fold back in.
    const pageCount = db.pragma('page_count', { simple: true });
    const pageSize = db.pragma('page_size', { simple: true });
    const sizeBytes = typeof pageCount === 'number' && typeof pageSize === 'number' ? pageCount * pageSize : 0;
    return { ok: detail === 'ok', detail, sizeBytes };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), sizeBytes: 0 };
  }
}
