// A consistent copy of the device database (VACUUM INTO) made on a worker thread with its own
// connection: VACUUM INTO reads the whole database, so on the main thread a large one would hold
// the event loop (every request, every window) for as long as the copy takes. WAL mode lets the
// worker read one snapshot while the app goes on writing. The copy keeps the cipher and key.
import { Worker } from 'node:worker_threads';
import { openDbInWorker, sqliteModulePath } from '../../../platform/sqlite-worker';

/**
 * The source of a worker that opens the database at workerData.source read-only (with
 * workerData.keyHex when encrypted), runs `body` (statements using `db` and workerData, ending in
 * parentPort.postMessage({ ok: true, … })), and answers { ok: false, message } on any error.
 */
export function readOnlyWorkerSource(body: string): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let db;
try {
  ${openDbInWorker('workerData.source', { readonly: true })}
  db.pragma('busy_timeout = 5000');
${body}
} catch (err) {
  parentPort.postMessage({ ok: false, message: String((err && err.message) || err) });
} finally {
  if (db) db.close();
}
`;
}

const WORKER_SOURCE = readOnlyWorkerSource(`  db.prepare('VACUUM INTO ?').run(workerData.target);
  parentPort.postMessage({ ok: true });`);

/** Copies the database at `source` (encrypted under `key` when given) to `target`, off the main thread. */
export function snapshotDatabase(source: string, target: string, key?: Buffer): Promise<void> {
  if (key && key.length !== 32) return Promise.reject(new Error('the at-rest key must be 32 bytes'));
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: sqliteModulePath(), source, target, keyHex: key ? key.toString('hex') : null } });
    let settled = false;
    w.once('message', (m: { ok: boolean; message?: string }) => {
      settled = true;
      if (m.ok) resolve();
      else reject(new Error(`database snapshot failed: ${m.message ?? 'unknown'}`));
    });
    w.once('error', (e) => {
      settled = true;
      reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`database snapshot worker exited (${code})`));
    });
  });
}
