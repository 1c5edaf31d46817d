// Resume under SIGKILL (issue 16, decision 0020): a device process uploading 40 MB attachments is
// killed at 20 random points, and so is the server process while a chunk is in flight (device and
// server in turn; a kill counts only when it lands while the upload is still going); each next life
// goes on from the first chunk the server lacks. Afterwards every file is stored exactly once,
// every record is synced with a verified receipt, and the bytes sent again after each kill are at
// most the chunks in flight (UPLOAD_WINDOW = 2 of 4 MiB). Runs on SQLite, and on PostgreSQL when
// MAESTRO_TEST_DATABASE_URL is set (scripts/pg-test.sh).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, createReadStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createServices } from '../../src/main/app/services';
import { tempDir, unlockedVault } from '../../src/main/platform/test-utils';
import { CHUNK_BYTES, CHUNK_TAG_BYTES, chunkCountOf } from '../../src/shared/sync/attachments';
import { enrollToken, freePort, startServer, type ServerProc } from './server-process';
import { postgresBackend } from '../../src/server/testing/backends';
import { listFiles, randomFile } from './attachment-files';
import { UPLOAD_WINDOW } from '../../src/main/features/sync/upload';

const SITE = 'field.inspect.site@1.2.0';
const FILE_BYTES = 40 * 1000 * 1000;
const FILES = 8;
const KILLS = 20;

const servers: ServerProc[] = [];
/** Every scratch directory this file makes (about 1 GB a run: the files, the device, the server): removed at the end. */
const scratch: string[] = [];
const temp = (prefix: string): string => {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const putLines = (log: string) =>
  readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

/**
 * One child life; after `killAfterPuts` PUTs (+ a random delay) `kill` kills someone. Resolves when the
 * child ends: true when the kill landed while the child was still uploading.
 */
async function life(dataDir: string, log: string, kill: (() => void) | null, killAfterPuts: number): Promise<boolean> {
  const before = putLines(log).filter((l) => !l.startsWith('LIFE')).length;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/attachment-kill-child.ts', dataDir, log], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  child.stdout!.on('data', (c: Buffer) => (said += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (said += c.toString()));
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let landed = false;
  let over = false;
  void ended.then(() => (over = true));
  if (kill) {
    const doKill = kill === KILL_DEVICE ? () => child.kill('SIGKILL') : kill;
    for (;;) {
      const done = await Promise.race([ended.then(() => true), sleep(20).then(() => false)]);
      if (done) break;
      if (putLines(log).filter((l) => !l.startsWith('LIFE')).length - before >= killAfterPuts) {
        await sleep(Math.floor(Math.random() * 60));
        landed = !over;
        doKill();
        break;
      }
    }
  }
  await ended;
  if (kill && !landed) console.log(`a life ended before its kill: ${said.slice(-300)}`);
  return landed;
}
const KILL_DEVICE = (): void => {};

async function killLoop(backend: 'sqlite' | 'postgres', env: NodeJS.ProcessEnv) {
  const dir = temp('maestro-srv-');
  const port = await freePort();
  let srv = await startServer(dir, port, env);
  servers.push(srv);
  const dataDir = temp('maestro-dev-');
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  s.profile.setup({ name: 'Ada', tenant: 'acme' });
  await s.sync.enroll(srv.url, enrollToken(dir, port, 'acme', 'ada@acme', 'field', env));
  await s.sync.syncNow();
  const sizes = new Map<string, number>();
  for (let i = 0; i < FILES; i++) {
    const path = join(temp('maestro-file-'), `clip-${i}.mp4`);
    randomFile(path, FILE_BYTES);
    const a = await s.capture.attachments.putStream(createReadStream(path), { name: `clip-${i}.mp4`, mime: 'video/mp4', nowIso: new Date().toISOString() });
    s.capture.submit({
      contract: SITE,
      data: { siteId: `PS-${i}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' }, photos: [a.ref] },
    });
    sizes.set(a.hash, FILE_BYTES);
  }
  s.close();

  const log = join(temp('maestro-log-'), 'puts.log');
  writeFileSync(log, '');
  const kinds: string[] = [];
  let landed = 0;
  let attempts = 0;
  // Until 20 kills have landed mid-upload (a kill that comes after the upload ended does not count).
  for (; landed < KILLS && attempts < 2 * KILLS; attempts++) {
    const who = landed % 2 === 0 ? 'device' : 'server';
    appendFileSync(log, `LIFE ${attempts} ${who}\n`);
    const killServer = () => srv.proc.kill('SIGKILL');
    if (await life(dataDir, log, who === 'device' ? KILL_DEVICE : killServer, 1 + Math.floor(Math.random() * 2))) {
      landed += 1;
      kinds.push(who);
    } else kinds.push(`${who} (too late)`);
    if (who === 'server') {
      await srv.stop('SIGKILL');
      srv = await startServer(dir, port, env);
      servers.push(srv);
    }
  }
  // Lives without kills until everything is synced.
  expect(landed).toBe(KILLS);
  for (let k = 0; k < 4; k++) {
    appendFileSync(log, `LIFE ${attempts + k} none\n`);
    await life(dataDir, log, null, 0);
  }

  // Bytes sent again in the life after each kill: PUTs of chunks an earlier life had already sent.
  const sent = new Set<string>();
  const resent: number[] = [];
  let life_ = -1;
  for (const line of putLines(log)) {
    if (line.startsWith('LIFE')) {
      life_ += 1;
      resent[life_] = 0;
      continue;
    }
    const [blob, index, bytes] = line.split(' ');
    const key = `${blob}:${index}`;
    if (sent.has(key)) resent[life_]! += Number(bytes);
    sent.add(key);
  }
  const afterKill = resent.slice(1, attempts + 1);
  console.log(`[${backend}] kills: ${kinds.join(',')}; bytes re-sent in the life after each kill: ${afterKill.join(', ')}`);
  // At most the chunks that were in flight when the process died (UPLOAD_WINDOW of them).
  for (const b of afterKill) expect(b).toBeLessThanOrEqual(UPLOAD_WINDOW * (CHUNK_BYTES + CHUNK_TAG_BYTES));
  const total = putLines(log)
    .filter((l) => !l.startsWith('LIFE'))
    .reduce((n, l) => n + Number(l.split(' ')[2]), 0);
  expect(total).toBeLessThan(
    FILES * (FILE_BYTES + chunkCountOf(FILE_BYTES) * CHUNK_TAG_BYTES) + (attempts + 1) * UPLOAD_WINDOW * (CHUNK_BYTES + CHUNK_TAG_BYTES),
  );

  // Everything synced, receipts verified; each file stored exactly once (one set of chunks).
  const dev = new Database(join(dataDir, 'maestro.db'), { readonly: true });
  const rows = dev.prepare('SELECT kind, state, receipt_verified, blob_ids FROM outbox').all() as {
    kind: string;
    state: string;
    receipt_verified: number;
    blob_ids: string | null;
  }[];
  dev.close();
  expect(rows).toHaveLength(FILES * 2);
  expect(rows.every((r) => r.state === 'acked' && r.receipt_verified === 1)).toBe(true);
  const blobs = rows.filter((r) => r.kind === 'attachment').map((r) => (JSON.parse(r.blob_ids!) as string[])[0]!);
  expect(new Set(blobs).size).toBe(FILES);
  for (const blob of blobs) expect(await storedChunks(backend, env, dir, blob)).toBe(chunkCountOf(FILE_BYTES));
  if (backend === 'sqlite') expect(listFiles(join(dir, 'attachments')).filter((p) => p.endsWith('.tmp'))).toEqual([]);
  return { resent: afterKill };
}

/** Chunks the server holds of a blob: files on disk (SQLite server) or rows (PostgreSQL). */
async function storedChunks(backend: 'sqlite' | 'postgres', env: NodeJS.ProcessEnv, dir: string, blob: string): Promise<number> {
  if (backend === 'sqlite') return listFiles(join(dir, 'attachments', 'acme', blob)).filter((p) => p.endsWith('.chunk')).length;
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM attachment_chunks WHERE blob = $1', [blob]);
    return Number(r.rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe('attachment upload resumes after SIGKILL of the device and of the server', () => {
  it(
    'SQLite server: 20 random kills (device and server in turn), each file stored once, every record synced, at most the in-flight chunks re-sent per kill',
    { timeout: 900_000 },
    async () => {
      await killLoop('sqlite', {});
    },
  );
  it.runIf(process.env.MAESTRO_TEST_DATABASE_URL)('PostgreSQL server: the same 20 random kills', { timeout: 900_000 }, async () => {
    // A schema of its own (dropped after): the server seeds its signing key into server_keys, and a
    // schema another run seeded with another key would be refused.
    const db = await postgresBackend().open();
    try {
      await killLoop('postgres', db.cliEnv());
    } finally {
      await db.dispose();
    }
  });
});
