// Tamper detection for installed bundles while the app runs (issue 19; design notes: tamper
// detection within 5 minutes), in two parts:
//  - a watch on every active version's targets/ folder: a file written, replaced or removed is
//    checked at once (size, mtime, inode, then a full re-hash against its signed SHA-256);
//  - a rolling re-hash that walks every byte of every active version in small budgeted reads each
//    tick, so a change the watch cannot see (made while the app was closed with the mtime put back,
//    or under another mount) is found within about one cycle: each 4 MiB slice is compared with its
//    hash from the last pass that matched the signed digest as soon as the scan reaches it (the
//    first pass after a start has no slices yet, and compares the whole file at its end). The
//    budget spreads a cycle over `cycleMs` (default 2 min) and never reads faster than
//    `maxBytesPerSec`: I/O is bounded, and a very large set of models stretches the cycle rather
//    than the I/O (stats() says which).
// A mismatch quarantines the version (BundleStore.quarantine: alert, decision card, fallback).
import { createHash, type Hash } from 'node:crypto';
import { constants as fsc, watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fastCheckFile, hashMismatch, tamperReason, type TamperReason } from './file-checks';
import type { FileRow } from './install-rows';

export interface WatchedInstall {
  id: number;
  dir: string;
  files: FileRow[];
}

export interface TamperWatchPort {
  /** Active versions that are not quarantined, with their files as verified at install. */
  watched(): WatchedInstall[];
  quarantine(id: number, reason: TamperReason, path: string | null): void;
  logger: { error(msg: string, f: Record<string, unknown>): void };
}

export interface TamperWatchOptions {
  /** How long one pass over every byte should take (default 240 s). */
  cycleMs?: number;
  /** How often the rolling re-hash reads (default 5 s). */
  tickMs?: number;
  /** The most the rolling re-hash reads per second (default 32 MiB/s). */
  maxBytesPerSec?: number;
  /** Watch the folders too (default true). */
  watch?: boolean;
}

export interface TamperWatchStats {
  bytesRead: number;
  /** average background read rate since start, MB/s */
  ioMBps: number;
  /** bytes a full cycle covers, and how long the last full cycle took (null before the first) */
  cycleBytes: number;
  lastCycleMs: number | null;
  cycles: number;
}

interface Cursor {
  install: WatchedInstall;
  file: FileRow;
  offset: number;
  hash: Hash;
  /** the slice being hashed, and the slice hashes so far in this pass */
  slice: Hash;
  slices: string[];
  /** slice hashes of the last pass whose whole-file digest matched the signed one (checked as the scan reaches them) */
  known: string[] | undefined;
  /** set when a slice differed from the known one */
  changedAt: number | null;
}

const READ_PIECE = 1024 * 1024;
/** Slice size: a changed byte is found when the scan reaches its slice, not only at the end of the file. */
export const SLICE_BYTES = 4 * 1024 * 1024;

export class TamperWatch {
  private readonly cycleMs: number;
  private readonly tickMs: number;
  private readonly maxBytesPerSec: number;
  private readonly watchFolders: boolean;
  private timer: NodeJS.Timeout | null = null;
  private watchers = new Map<number, FSWatcher>();
  private queue: { install: WatchedInstall; file: FileRow }[] = [];
  private cursor: Cursor | null = null;
  private cycleBytes = 0;
  private cycleStarted = 0;
  private busy = false;
  private readonly startedAt = performance.now();
  private readonly st = { bytesRead: 0, lastCycleMs: null as number | null, cycles: 0 };
  private readonly urgent = new Map<string, { install: WatchedInstall; file: FileRow }>();
  /** per `${install}:${path}`: slice hashes of the last pass that matched the signed digest */
  private readonly goodSlices = new Map<string, string[]>();

  constructor(
    private readonly port: TamperWatchPort,
    o: TamperWatchOptions = {},
  ) {
    this.cycleMs = o.cycleMs ?? 120_000;
    this.tickMs = o.tickMs ?? 5_000;
    this.maxBytesPerSec = o.maxBytesPerSec ?? 32 * 1024 * 1024;
    this.watchFolders = o.watch ?? true;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    this.refreshWatchers();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  stats(): TamperWatchStats {
    const s = (performance.now() - this.startedAt) / 1000;
    return { ...this.st, cycleBytes: this.cycleBytes, ioMBps: s > 0 ? this.st.bytesRead / 1e6 / s : 0 };
  }

  /** One tick: files the watch flagged first, then the rolling re-hash's budget. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const [k, u] of [...this.urgent]) {
        this.urgent.delete(k);
        await this.checkWhole(u.install, u.file);
      }
      await this.roll(this.budget());
    } catch (e) {
      this.port.logger.error('bundle tamper check failed', { code: 'BUNDLE_TAMPER_CHECK_FAILED', err: (e as Error).message });
    } finally {
      this.busy = false;
    }
  }

  private budget(): number {
    const perCycle = Math.ceil((this.cycleBytes * this.tickMs) / this.cycleMs);
    return Math.max(READ_PIECE, Math.min(perCycle, Math.floor((this.maxBytesPerSec * this.tickMs) / 1000)));
  }

  /** Starts a new cycle over what is installed now (and re-aims the folder watches). */
  private newCycle(): void {
    if (this.cycleStarted) {
      this.st.lastCycleMs = performance.now() - this.cycleStarted;
      this.st.cycles++;
    }
    const installs = this.port.watched();
    this.queue = installs.flatMap((install) => install.files.map((file) => ({ install, file })));
    this.cycleBytes = this.queue.reduce((n, q) => n + q.file.length, 0);
    this.cycleStarted = performance.now();
    this.refreshWatchers(installs);
  }

  private async roll(budget: number): Promise<void> {
    let left = budget;
    while (left > 0) {
      if (!this.cursor) {
        if (!this.queue.length) {
          this.newCycle();
          if (!this.queue.length) return;
        }
        this.cursor = this.newCursor(this.queue.shift()!);
      }
      const c = this.cursor;
      const want = Math.min(left, c.file.length - c.offset);
      const got = want > 0 ? await this.readInto(c, want) : 0;
      left -= Math.max(got, 1);
      if (c.changedAt !== null) {
        this.cursor = null;
        this.tampered(
          c.install,
          c.file,
          tamperReason('changed_near', { path: c.file.path, offset: c.changedAt }, `${c.file.path} changed near byte ${c.changedAt} after it was verified`),
        );
      } else if (got < want || c.offset >= c.file.length) {
        this.cursor = null;
        const whole = got === want && (await this.atEnd(c));
        if (c.offset % SLICE_BYTES !== 0 || c.file.length === 0) c.slices.push(c.slice.digest('hex'));
        const i = c.slices.length - 1;
        const lastChanged = c.known?.[i] !== undefined && c.known[i] !== c.slices[i];
        if (whole && !lastChanged && c.hash.digest('hex') === c.file.sha256) this.goodSlices.set(this.key(c.install, c.file), c.slices);
        else this.tampered(c.install, c.file, hashMismatch(c.file.path));
      }
    }
  }

  private key(install: WatchedInstall, file: FileRow): string {
    return `${install.id}:${file.path}`;
  }

  private newCursor(q: { install: WatchedInstall; file: FileRow }): Cursor {
    return {
      ...q,
      offset: 0,
      hash: createHash('sha256'),
      slice: createHash('sha256'),
      slices: [],
      known: this.goodSlices.get(this.key(q.install, q.file)),
      changedAt: null,
    };
  }

  /** Feeds bytes read at the cursor into the whole-file and slice hashes, checking each finished slice. */
  private feed(c: Cursor, bytes: Buffer): void {
    c.hash.update(bytes);
    let at = 0;
    while (at < bytes.length) {
      const room = SLICE_BYTES - (c.offset % SLICE_BYTES);
      const part = bytes.subarray(at, at + room);
      c.slice.update(part);
      c.offset += part.length;
      at += part.length;
      if (c.offset % SLICE_BYTES === 0) {
        const h = c.slice.digest('hex');
        const i = c.slices.length;
        if (c.known && c.known[i] !== undefined && c.known[i] !== h && c.changedAt === null) c.changedAt = i * SLICE_BYTES;
        c.slices.push(h);
        c.slice = createHash('sha256');
      }
    }
  }

  /** Reads up to `n` bytes at the cursor into its hash; the number read (fewer: the file shrank or went away). */
  private async readInto(c: Cursor, n: number): Promise<number> {
    let fh;
    try {
      fh = await open(join(c.install.dir, 'targets', c.file.path), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    } catch {
      return 0;
    }
    try {
      const buf = Buffer.allocUnsafe(Math.min(n, READ_PIECE));
      let done = 0;
      while (done < n) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, n - done), c.offset);
        if (bytesRead === 0) break;
        this.feed(c, buf.subarray(0, bytesRead));
        done += bytesRead;
      }
      this.st.bytesRead += done;
      return done;
    } finally {
      await fh.close();
    }
  }

  /** True when the file holds no byte past its signed length (a longer file is a changed file). */
  private async atEnd(c: Cursor): Promise<boolean> {
    try {
      const fh = await open(join(c.install.dir, 'targets', c.file.path), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
      try {
        return (await fh.stat()).size === c.file.length;
      } finally {
        await fh.close();
      }
    } catch {
      return false;
    }
  }

  /** A file the watch saw change: the fast check, then every byte. */
  private async checkWhole(install: WatchedInstall, file: FileRow): Promise<void> {
    const fast = fastCheckFile(install.dir, file);
    if (fast) return this.tampered(install, file, fast);
    const c = this.newCursor({ install, file });
    const got = await this.readInto(c, file.length);
    if (got !== file.length || !(await this.atEnd(c)) || c.hash.digest('hex') !== file.sha256) this.tampered(install, file, hashMismatch(file.path));
  }

  private tampered(install: WatchedInstall, file: FileRow, reason: TamperReason): void {
    if (!this.port.watched().some((w) => w.id === install.id)) return; // already quarantined (or replaced)
    this.port.quarantine(install.id, reason, file.path);
    // Its files leave the rolling queue; the watch on its folder closes at the next cycle.
    this.queue = this.queue.filter((q) => q.install.id !== install.id);
  }

  private refreshWatchers(installs: WatchedInstall[] = this.port.watched()): void {
    if (!this.watchFolders || !this.timer) return;
    const ids = new Set(installs.map((i) => i.id));
    for (const [id, w] of this.watchers) {
      if (!ids.has(id)) {
        w.close();
        this.watchers.delete(id);
      }
    }
    for (const install of installs) {
      if (this.watchers.has(install.id)) continue;
      try {
        const w = watch(join(install.dir, 'targets'), { recursive: true, persistent: false }, (_event, name) => {
          const path = typeof name === 'string' ? name.split('\\').join('/') : null;
          const file = path ? install.files.find((f) => f.path === path) : undefined;
          // A file of this version changed (or something unknown appeared: check them all).
          for (const f of file ? [file] : install.files) this.urgent.set(`${install.id}:${f.path}`, { install, file: f });
          setImmediate(() => void this.tick());
        });
        w.on('error', () => this.watchers.delete(install.id));
        this.watchers.set(install.id, w);
      } catch (e) {
        this.port.logger.error('cannot watch a bundle folder', { code: 'BUNDLE_WATCH_FAILED', dir: install.dir, err: (e as Error).message });
      }
    }
  }
}
