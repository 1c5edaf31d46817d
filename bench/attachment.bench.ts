// attachment.upload.mbps: a 200 MB attachment from a device to the real server process over
// loopback (read from the encrypted attachment store, sealed 4 MiB chunks, signed PUTs, the server
// flushing the blob to disk before it counts as complete, then the record's batch).
// ref: the same bytes streamed in one bare HTTP POST to a plain node:http server on 127.0.0.1 that
// writes them to a file (no flush), in the same run. Target: ratio ≥ 0.5.
// Three rounds, each a fresh 200 MB file, bare and Maestro alternating, each timed from a flushed
// page cache (`sync` first: one upload's dirty pages must not slow the next); medians are reported,
// and every round's pair goes to stderr.
// attachment.upload.rss: peak RSS growth of the device process (this one) while it uploads 1 GiB of
// attachments (4 × 256 MiB). Target: < 150 MB. ref: the same growth while it hashes the same files
// with a stream (what merely reading them costs).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createServices, type Services } from '../src/main/app/services';
import { tempDir, unlockedVault } from '../src/main/platform/test-utils';
import { enrollToken, freePort, startServer, type ServerProc } from '../test/integration/server-process';
import { randomFile } from '../test/integration/attachment-files';
import { emit, size } from './figure';

const MB = 1000 * 1000;
/** MB per upload round, rounds, and MiB per file of the RSS figure's 4 files (tiny in the smoke run). */
const UPLOAD_MB = size(200, 2);
const ROUNDS = size(3, 1);
const RSS_FILE_MIB = size(256, 1);
const SITE = 'field.inspect.site@1.2.0';

async function device(srv: ServerProc, dir: string, port: number): Promise<Services> {
  const dataDir = tempDir('maestro-bench-dev-');
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  s.profile.setup({ name: 'Bench', tenant: 'bench' });
  await s.sync.enroll(srv.url, enrollToken(dir, port, 'bench', 'bench@bench'));
  await s.sync.syncNow();
  return s;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Write back every dirty page, so a timed run does not pay for the previous one's writes. */
const flushDisks = (): void => void spawnSync('sync');

async function capture(s: Services, path: string, i: number): Promise<void> {
  const a = await s.capture.attachments.putStream(createReadStream(path), { name: `f${i}.bin`, mime: 'video/mp4', nowIso: new Date().toISOString() });
  s.capture.submit({
    contract: SITE,
    data: { siteId: `BN-${i + 1}`, inspectedAt: '2026-11-21', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'B' }, photos: [a.ref] },
  });
}

/** Seconds to stream the file in one POST to a bare node:http server writing it to disk. */
async function bareUpload(path: string): Promise<number> {
  const out = join(tempDir('maestro-bench-bare-'), 'upload.bin');
  const server = createServer((req, res) => {
    void pipeline(req, createWriteStream(out)).then(() => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    void pipeline(createReadStream(path), req).catch(reject);
  });
  const s = (performance.now() - t) / 1000;
  server.close();
  rmSync(out, { force: true });
  return s;
}

/** Peak RSS growth (bytes) while `fn` runs, sampled every 20 ms. */
async function peakRss(fn: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss()) - base;
}

export async function run(): Promise<void> {
  const dir = tempDir('maestro-bench-srv-');
  const port = await freePort();
  const srv = await startServer(dir, port, { MAESTRO_SERVER_RATE_PER_SEC: '10000', MAESTRO_SERVER_RATE_BURST: '10000' });
  const files = tempDir('maestro-bench-files-');
  let s: Services | null = null;
  let dataDir: string | null = null;
  try {
    s = await device(srv, dir, port);
    dataDir = s.info.dataDir;
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const big = join(files, `big-${round}.bin`);
      randomFile(big, UPLOAD_MB * MB);
      await capture(s, big, round);
      flushDisks();
      bare.push(UPLOAD_MB / (await bareUpload(big)));
      flushDisks();
      const t = performance.now();
      const r = await s.sync.syncNow();
      ours.push(UPLOAD_MB / ((performance.now() - t) / 1000));
      if (r.acked !== 2) throw new Error(`attachment.upload.mbps: ${r.acked} of 2 items acked (${r.phase})`);
      rmSync(big, { force: true });
      process.stderr.write(`attachment.upload.mbps round ${round + 1}: ${ours[round]!.toFixed(1)} MB/s vs bare ${bare[round]!.toFixed(1)} MB/s\n`);
    }
    emit({
      name: 'attachment.upload.mbps',
      value: median(ours),
      unit: 'MB/s',
      ref: median(bare),
      refName: 'bare streamed HTTP POST of the same 200 MB to node:http on 127.0.0.1 (median of 3 alternating rounds)',
      target: 'ratio ≥ 0.5',
    });
    process.stderr.write(`attachment.upload.mbps ratio: ${(median(ours) / median(bare)).toFixed(2)}\n`);

    const paths: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = join(files, `gib-${i}.bin`);
      randomFile(p, RSS_FILE_MIB * 1024 * 1024);
      paths.push(p);
      await capture(s, p, i + 3);
    }
    const dev = s;
    const hashing = await peakRss(async () => {
      for (const p of paths) await pipeline(createReadStream(p), createHash('sha256'));
    });
    const growth = await peakRss(() => dev.sync.syncNow());
    if (dev.outbox.counts().queued !== 0) throw new Error('attachment.upload.rss: items left queued');
    emit({
      name: 'attachment.upload.rss',
      value: growth / MB,
      unit: 'MB',
      ref: hashing / MB,
      refName: 'peak RSS growth while stream-hashing the same 1 GiB',
      target: '< 150',
    });
  } finally {
    s?.close();
    await srv.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
