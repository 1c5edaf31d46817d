// Loads the sqlite-vec extension (vec0 virtual tables, vec_quantize_binary, vec_distance_cosine) on a
// connection. better-sqlite3 allows loadExtension without a flag; the native library comes from the
// platform package sqlite-vec-<os>-<arch> (a packaged Electron app must keep it outside the asar).
import * as sqliteVec from 'sqlite-vec';
import type { Db } from '../../platform/db/connection';

export type VecLoad = { ok: true; version: string } | { ok: false; error: string };

const loaded = new WeakMap<Db, VecLoad>();

/** Load once per connection; never throws (without it, vector search falls back to an exact scan). */
export function loadSqliteVec(db: Db): VecLoad {
  const prior = loaded.get(db);
  if (prior) return prior;
  let r: VecLoad;
  try {
    sqliteVec.load(db);
    r = { ok: true, version: db.prepare('SELECT vec_version()').pluck().get() as string };
  } catch (e) {
    r = { ok: false, error: (e as Error).message };
  }
  loaded.set(db, r);
  return r;
}
