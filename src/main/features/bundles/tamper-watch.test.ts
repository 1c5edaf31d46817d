// Tamper detection while the app runs: the folder watch finds a write at once; the rolling re-hash
// finds a change the watch could not see (mtime put back, watch off) within one cycle, reading at a
// bounded rate. Either quarantines the version (alert, audit) and the previous good one is active.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSync, closeSync, readSync, statSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../platform/test-utils';
import { dirReader } from './verify';
import { makeRepo, makeStore, type StoreFixture, type TestRepo } from './testing';
import { SLICE_BYTES, TamperWatch } from './tamper-watch';
import type { TamperReason } from './file-checks';
import { msg } from '../../../shared/messages';

const NAME = 'test.model';
const BIG = Buffer.alloc(6 * 1024 * 1024, 3);

let repo: TestRepo;
let fx: StoreFixture;
let work: string;
let watch: TamperWatch | null = null;

beforeEach(async () => {
  work = tempDir('maestro-tw-');
  repo = makeRepo();
  fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
  for (const v of [1, 2]) {
    const out = join(work, `b${v}`);
    repo.build(
      out,
      { name: NAME, version: `1.0.${v}` },
      { 'weights.bin': BIG, 'config.json': `{"v":${v}}` },
      { versions: { targets: v, snapshot: v, timestamp: v } },
    );
    await fx.store.install(dirReader(out));
  }
});

afterEach(() => {
  watch?.stop();
  watch = null;
  fx.db.close();
});

/** Flips one byte in the active version's weights, and puts the mtime back as a careful attacker would. */
function flipByte(at: number): string {
  const active = fx.store.watched()[0]!;
  const path = join(active.dir, 'targets', 'weights.bin');
  const st = statSync(path);
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  utimesSync(path, st.atime, st.mtime);
  return path;
}

const port = () => ({
  watched: () => fx.store.watched(),
  quarantine: (id: number, r: TamperReason, p: string | null) => fx.store.quarantine(id, r, p),
  logger: { error: () => {} },
});

describe('bundle tamper watch', () => {
  it('the rolling re-hash finds a byte changed behind the watch (mtime restored) within one cycle, at a bounded rate', async () => {
    const before = fx.store.active(NAME)!.info.version;
    expect(before).toBe('1.0.2');
    // A 4-tick cycle: each tick reads about a quarter of the bytes.
    watch = new TamperWatch(port(), { cycleMs: 400, tickMs: 100, watch: false });
    await watch.tick(); // starts the first cycle
    flipByte(BIG.length - 10);
    for (let i = 0; i < 12 && fx.store.active(NAME)?.info.version === before; i++) await watch.tick();
    expect(fx.store.active(NAME)!.info.version).toBe('1.0.1');
    expect(fx.alerts.map((a) => a.code)).toContain('BUNDLE_TAMPERED');
    const st = watch.stats();
    // Bounded: no tick read more than its share (cycle bytes × tick / cycle, at least 1 MiB).
    expect(st.bytesRead).toBeLessThanOrEqual(12 * Math.max(1024 * 1024, Math.ceil((st.cycleBytes * 100) / 400)) + 2 * st.cycleBytes);
  });

  it('the folder watch finds a write at once, without waiting for the cycle', async () => {
    watch = new TamperWatch(port(), { cycleMs: 3_600_000, tickMs: 60_000 });
    watch.start();
    await new Promise((r) => setTimeout(r, 100));
    flipByte(5);
    const t0 = Date.now();
    while (fx.store.active(NAME)?.info.version === '1.0.2' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(fx.store.active(NAME)!.info.version).toBe('1.0.1');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('after one clean pass, a change is found when the scan reaches its 4 MiB slice, not at the end of the file', async () => {
    watch = new TamperWatch(port(), { cycleMs: 800, tickMs: 100, watch: false });
    while (watch.stats().cycles < 1) await watch.tick();
    // A new pass has begun: flip a byte at the end of the first 4 MiB slice of the 6 MiB file (ahead of the scan). At 1 MiB a tick
    // the slice is done after 4 ticks, before the end of the file (6).
    flipByte(SLICE_BYTES - 10);
    for (let i = 0; i < 5 && fx.store.active(NAME)?.info.version === '1.0.2'; i++) await watch.tick();
    expect(fx.store.active(NAME)!.info.version).toBe('1.0.1');
    // The alert says it as a message: the version, the fallback, and why (refusals.tamper.changed_near) as its cause.
    expect(fx.alerts.at(-1)?.message).toMatchObject({
      code: 'alerts.bundle.quarantined',
      params: { version: '1.0.2', fallback: '1.0.1', causeCode: 'refusals.tamper.changed_near', cause_offset: '0' },
    });
    expect(fx.store.report().bundles.find((b) => b.version === '1.0.2')?.quarantine?.reason).toEqual(
      msg('refusals.tamper.changed_near', { path: 'weights.bin', offset: '0' }),
    );
  });

  it('leaves an untouched version alone', async () => {
    watch = new TamperWatch(port(), { cycleMs: 200, tickMs: 100, watch: false });
    for (let i = 0; i < 10; i++) await watch.tick();
    expect(fx.store.active(NAME)!.info.version).toBe('1.0.2');
    expect(watch.stats().cycles).toBeGreaterThanOrEqual(1);
  });
});
