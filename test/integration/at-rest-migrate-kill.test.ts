// Crash-safe encryption of a plaintext profile: a child migrating a database of many rows is
// SIGKILLed at 24 random moments spread over the migration. After each kill the database opens with
// the key (the plaintext one migrating again, or the encrypted one) and every row is there.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { tempDir } from '../../src/main/platform/test-utils';
import { openDatabase } from '../../src/main/platform/db/connection';
import { dbFileKind } from '../../src/main/platform/db/cipher';
import { mulberry32 } from '../../src/platform/prng';

const CHILD = fileURLToPath(new URL('./at-rest-migrate-child.ts', import.meta.url));
const ROWS = 60_000;
// The kills land a random few milliseconds after a stage began, each stage in turn (the copy prints
// once per MiB copied, so a kill after 'copy' lands mid-copy).
const STAGES = ['start', 'checkpoint', 'copy', 'encrypt', 'verify', 'swap'];
const KILLS = 24;

interface ChildRun {
  signal: NodeJS.Signals | null;
  lines: string[];
  /** When each line was read, ms after spawn. */
  times: number[];
  stderr: string;
}

/** Run the child; `killAfterMs` after it printed the line `killAfter` it is SIGKILLed (null: let it finish). */
function runChild(path: string, keyHex: string, killAfter: string | null, killAfterMs = 0): Promise<ChildRun> {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, path, keyHex], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const times: number[] = [];
  const t0 = performance.now();
  let stderr = '';
  let buf = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      times.push(performance.now() - t0);
      if (l === killAfter) {
        killAfter = null;
        setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      }
    }
  });
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('exit', (_c, signal) => resolve({ signal, lines, times, stderr })));
}

/** A plaintext profile: the app's schema plus ROWS rows (the last ones still in the WAL). */
function seed(dir: string): string {
  const path = join(dir, 'maestro.db');
  openDatabase(path).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE bulk (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO bulk (id, text) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= ROWS - 1000; i++) ins.run(i, `field note ${i} `.padEnd(120, 'x'));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.transaction(() => {
    for (let i = ROWS - 999; i <= ROWS; i++) ins.run(i, `field note ${i} `.padEnd(120, 'x'));
  })();
  // Snapshot the file and its WAL while the connection keeps the last rows in the WAL.
  copyFileSync(path, join(dir, 'seed.db'));
  copyFileSync(`${path}-wal`, join(dir, 'seed.db-wal'));
  db.close();
  return join(dir, 'seed.db');
}

function fresh(seedPath: string): string {
  const dir = tempDir('maestro-atrest-kill-');
  const path = join(dir, 'maestro.db');
  copyFileSync(seedPath, path);
  copyFileSync(`${seedPath}-wal`, `${path}-wal`);
  return path;
}

describe('encrypting a plaintext profile survives SIGKILL at any point', () => {
  it(`killed at ${KILLS} random moments in every stage: the next start has the old or the new database, every row in it`, async () => {
    const key = randomBytes(32);
    const seedPath = seed(tempDir('maestro-atrest-seed-'));
    // How long a whole migration takes in a child (from "start"): the kills are spread over it.
    const full = await runChild(fresh(seedPath), key.toString('hex'), null);
    expect(full.lines.filter((l) => STAGES.includes(l) || l === 'done')).toEqual(expect.arrayContaining([...STAGES, 'done']));
    expect(full.stderr).toBe('');
    const finished = full.lines.find((l) => l.startsWith('finished '));
    expect(finished).toBeDefined();
    const spanMs = Number(finished!.split(' ')[1]);

    // How long each stage lasted in that run, as the parent saw it: a kill aimed into a stage lands
    // within 80 % of it (at most 60 ms in), so a loaded machine does not push it past the end.
    const stageMs = (stage: string): number => {
      const i = full.lines.indexOf(stage);
      return i >= 0 && i + 1 < full.times.length ? full.times[i + 1]! - full.times[i]! : 0;
    };

    const rand = mulberry32(0x5eed);
    const outcomes: { stage: string; at: number; lastStage: string; found: string; killed: boolean }[] = [];
    for (let i = 0; i < KILLS; i++) {
      let path = fresh(seedPath);
      const stage = STAGES[i % STAGES.length]!;
      const u = rand();
      let at = Math.round(u * (stage === 'swap' ? 5 : Math.min(60, 0.8 * stageMs(stage))));
      let r = await runChild(path, key.toString('hex'), stage, at);
      // A child that finished before the kill (the machine was busy) is run again from the same
      // plaintext, the kill sooner, at most twice more; a kill a few ms after 'swap' may still come
      // after the child finished: that run is no kill.
      for (let retry = 0; retry < 2 && r.signal !== 'SIGKILL' && stage !== 'swap'; retry++) {
        path = fresh(seedPath);
        at = Math.floor(at / 4);
        r = await runChild(path, key.toString('hex'), stage, at);
      }
      if (stage !== 'swap') expect(r.signal).toBe('SIGKILL');
      else expect(r.signal === 'SIGKILL' || r.lines.some((l) => l.startsWith('finished '))).toBe(true);
      const found = dbFileKind(path);
      outcomes.push({ stage, at, lastStage: r.lines.at(-1) ?? '', found, killed: r.signal === 'SIGKILL' });
      expect(['plaintext', 'encrypted']).toContain(found);
      // The next start: opens (finishing or redoing the migration) with every row.
      const db = openDatabase(path, { key });
      expect(db.prepare('SELECT count(*), sum(id) FROM bulk').raw().get()).toEqual([ROWS, (ROWS * (ROWS + 1)) / 2]);
      expect(db.prepare('SELECT text FROM bulk WHERE id = ?').pluck().get(ROWS)).toBe(`field note ${ROWS} `.padEnd(120, 'x'));
      db.close();
      expect(dbFileKind(path)).toBe('encrypted');
      expect(readdirSync(join(path, '..')).filter((f) => f.includes('atrest-tmp'))).toEqual([]);
    }
    process.stdout.write(`at-rest migration ${spanMs} ms; kills: ${JSON.stringify(outcomes)}\n`);
    // The kills were spread over the migration: before and after the rename, and inside each stage.
    expect(outcomes.filter((o) => o.killed).length).toBeGreaterThanOrEqual(20);
    expect(outcomes.some((o) => o.killed && o.found === 'plaintext')).toBe(true);
    expect(outcomes.some((o) => o.killed && o.found === 'encrypted')).toBe(true);
    // Before the rename the kills landed in at least three stages (on a fast machine the copy is over
    // before its line is read, so a kill aimed at it lands in 'encrypt').
    expect(new Set(outcomes.filter((o) => o.found === 'plaintext').map((o) => o.lastStage)).size).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
