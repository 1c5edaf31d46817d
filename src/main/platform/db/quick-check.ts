// SQLite's quick_check on a worker thread with its own connection: it reads every page, so on a
// year's database (gigabytes) it held the main thread — every request, every window — for seconds
// each time the Health view refreshed (issue 20). WAL mode lets the worker read one snapshot while
// the app goes on writing. The connection opens as ./cipher.ts opens the device's (same cipher
// pragmas and key), read-only.
import { Worker } from 'node:worker_threads';
import { readOnlyWorkerSource } from './snapshot';
import { sqliteModulePath } from '../../../platform/sqlite-worker';

// The worker opens its own read-only connection as ./snapshot.ts's does.
const WORKER_SOURCE = readOnlyWorkerSource(`  const rows = db.pragma('quick_check');
  parentPort.postMessage({ ok: true, result: rows.map((r) => r.quick_check).join('; ') || 'no result' });`);

/**
 * quick_check's answer for the database file at `source` (encrypted under `key` when given): "ok",
 * or its problems joined by "; ". A database that cannot be read at all answers with the error's
 * text (a problem too, never "ok").
 */
export function quickCheckOffThread(source: string, key?: Buffer): Promise<string> {
  if (key && key.length !== 32) return Promise.reject(new Error('the at-rest key must be 32 bytes'));
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: sqliteModulePath(), source, keyHex: key ? key.toString('hex') : null } });
    let settled = false;
    w.once('message', (m: { ok: boolean; result?: string; message?: string }) => {
      settled = true;
      resolve(m.ok ? m.result! : `unreadable: ${m.message ?? 'unknown'}`);
    });
    w.once('error', (e) => {
      settled = true;
      reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`quick_check worker exited (${code})`));
    });
  });
}
