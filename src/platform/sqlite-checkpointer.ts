// WAL checkpoints on a worker thread (device database and the server's SQLite store).
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses wal_autocheckpoint (1,000 pages
// by default): that writer copies the log into the database file and syncs both, on its own thread.
// On the device that was the main thread: about a fifth of the time of a memory add() (issue 20,
// docs/decisions/0041-write-path-off-the-main-thread.md). Here a worker with its own connection
// to the same file runs PASSIVE checkpoints (they never block a writer or a reader, and never wait)
// every `intervalMs`; the writer's connection keeps an automatic checkpoint only as a fallback at
// `fallbackPages`, for when the worker cannot keep up or is gone. Durability is unchanged: a commit
// is as durable as its connection's `synchronous` makes it; the checkpoint only moves committed
// pages from the log into the database file.
//
// Plain CommonJS evaluated in the worker; the connection opens as every SQLite worker's does
// (./sqlite-worker.ts).
import { Worker } from 'node:worker_threads';
import { openDbInWorker, sqliteModulePath } from './sqlite-worker';
import type Database from 'better-sqlite3';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const { intervalMs } = workerData;
let db;
let timer;
let runs = 0;
let frames = 0;
// The last answer: frames in the log and frames of it copied (both start again when the log restarts).
let log = 0;
let copied = 0;
const close = () => {
  clearInterval(timer);
  try { if (db) db.close(); } catch {}
  db = undefined;
};
try {
  ${openDbInWorker('workerData.path', { readonly: false })}
  // No busy wait: a PASSIVE checkpoint that finds the checkpoint lock taken just tries next time.
  db.pragma('busy_timeout = 0');
  db.pragma('wal_autocheckpoint = 0');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  timer = setInterval(() => {
    try {
      const r = checkpoint.get();
      runs++;
      if (r.log >= 0 && r.checkpointed >= 0) {
        frames += r.log < log || r.checkpointed < copied ? r.checkpointed : r.checkpointed - copied;
        log = r.log;
        copied = r.checkpointed;
      }
    } catch (err) {
      // SQLITE_BUSY (another checkpointer) or a closing database: the next tick tries again.
      if (!/busy|locked/i.test(String(err && err.message))) {
        parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
        close();
      }
    }
  }, intervalMs);
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
  close();
}
parentPort.on('message', (m) => {
  if (m === 'stats') parentPort.postMessage({ type: 'stats', runs, frames, pending: log - copied });
  if (m === 'stop') {
    close();
    parentPort.postMessage({ type: 'stopped', runs, frames, pending: log - copied });
    parentPort.close();
  }
});
`;

export interface CheckpointerOptions {
  /** The database file the connection writes (not ':memory:'). */
  path: string;
  /** The 32-byte SQLCipher key when the file is encrypted. */
  key?: Buffer;
  /** How often the worker checkpoints (default 100 ms). */
  intervalMs?: number;
  /** The writer's own automatic checkpoint, kept as a fallback (default 10,000 pages: ~40 MB of log). */
  fallbackPages?: number;
  /** Start the worker after this many ms (default 0). */
  delayMs?: number;
  /** The worker failed (it stops; the writer checkpoints on commit again). */
  onError?: (message: string) => void;
}

export interface CheckpointStats {
  runs: number;
  frames: number;
  pending: number;
}

export interface Checkpointer {
  /** True once the worker checkpoints (the writer's own checkpoint is then only the fallback); false if it could not start. */
  readonly ready: Promise<boolean>;
  /** Checkpoints run, log frames copied so far, and frames of the log not yet copied at the last run. */
  stats(): Promise<CheckpointStats>;
  /** Stops the worker and closes its connection; the writer checkpoints on commit again. */
  stop(): Promise<void>;
}

/** SQLite's own default: the writer checkpoints on the commit that takes the log past 1,000 pages. */
const DEFAULT_AUTOCHECKPOINT = 1_000;

const workerDataOf = (o: CheckpointerOptions) => ({
  module: sqliteModulePath(),
  path: o.path,
  keyHex: o.key ? o.key.toString('hex') : null,
  intervalMs: Math.max(5, o.intervalMs ?? 100),
});

/**
 * Moves the checkpoints of `db` (a WAL connection to `opts.path`) to a worker thread, started after
 * `opts.delayMs` (the app: after its first screen, so the thread's start costs the start-up
 * nothing). Until the worker runs, and after it stopped or failed, the writer checkpoints on commit
 * as SQLite does by default; while it runs, only at `fallbackPages`. The worker is unref'd: it never
 * keeps the process alive. Stop it before closing `db` (a worker left running only ever runs
 * PASSIVE checkpoints, which are safe at any moment).
 */
export function startBackgroundCheckpoints(db: Database.Database, opts: CheckpointerOptions): Checkpointer {
  if (opts.key && opts.key.length !== 32) throw new Error('the at-rest key must be 32 bytes');
  const fallback = Math.max(1, Math.floor(opts.fallbackPages ?? 10_000));
  const autocheckpoint = (pages: number) => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${pages}`);
  };
  let w: Worker | null = null;
  let alive = true;
  const waiting: ((s: CheckpointStats) => void)[] = [];
  let stopped: (() => void) | null = null;
  let last: CheckpointStats = { runs: 0, frames: 0, pending: 0 };
  let settleReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((r) => (settleReady = r));
  const failed = (message: string) => {
    autocheckpoint(DEFAULT_AUTOCHECKPOINT);
    settleReady(false);
    opts.onError?.(message);
  };
  const spawn = () => {
    w = new Worker(WORKER_SOURCE, { eval: true, workerData: workerDataOf(opts) });
    w.unref();
    w.on('message', (m: { type: string; message?: string } & Partial<CheckpointStats>) => {
      if (m.type === 'ready') {
        autocheckpoint(fallback);
        settleReady(true);
      }
      if (m.type === 'error') failed(m.message ?? 'unknown');
      if (m.type === 'stats' || m.type === 'stopped') {
        last = { runs: m.runs ?? 0, frames: m.frames ?? 0, pending: m.pending ?? 0 };
        for (const r of waiting.splice(0)) r(last);
      }
    });
    w.on('error', (e) => failed(e.message));
    w.on('exit', () => {
      alive = false;
      autocheckpoint(DEFAULT_AUTOCHECKPOINT);
      settleReady(false);
      for (const r of waiting.splice(0)) r(last);
      stopped?.();
    });
  };
  const delay = Math.max(0, opts.delayMs ?? 0);
  const timer = delay > 0 ? setTimeout(spawn, delay) : null;
  if (timer) timer.unref();
  else spawn();
  return {
    ready,
    stats: () =>
      new Promise((resolve) => {
        if (!alive || !w) return resolve(last);
        // Held while a reply is awaited (the worker is unref'd: an awaited answer must keep the process up).
        const worker = w;
        worker.ref();
        waiting.push((st) => {
          worker.unref();
          resolve(st);
        });
        worker.postMessage('stats');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        // Before its delay: the worker never starts.
        if (timer) clearTimeout(timer);
        if (!alive || !w) {
          alive = false;
          settleReady(false);
          return resolve();
        }
        stopped = resolve;
        w.ref();
        w.postMessage('stop');
      }),
  };
}
