// Sync server ingest: signed batches of 100 items (~1 KiB ciphertext each) POSTed over loopback
// HTTP to the real server: `src/server/main.ts` in its own process (@hono/node-server on 127.0.0.1,
// port 0, SQLite in a temp dir), devices enrolled through its own `enroll-token` CLI.
// - sync.server.batch.p99: one device, one batch in flight: the latency a device sees.
// - sync.server.ingest: what the server absorbs from DEVICES devices syncing at once, each with one
//   batch in flight (a server serves many devices; one device alone leaves it idle between its
//   requests while the client builds the next one). A separate process keeps the client's work (building and signing
// requests, parsing receipts) off the server's event loop, as in production.
// Reference in the same run: the same bodies, same client, to a bare node:http server that only
// reads the body and answers 200, i.e. the cost of moving the bytes with no server work at all.
// BENCH_PROF_DIR=/some/dir writes a CPU profile of the server process there.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { makeItem, newDeviceKeys, signedHeaders } from '../src/server/testing/device-client';
import type { EnrollResponse, SyncBatchResponse } from '../src/shared/sync/protocol';
import { emit, percentile, size } from './figure';

const MAIN = fileURLToPath(new URL('../src/server/main.ts', import.meta.url));

const ITEMS_PER_BATCH = 100;
const WARMUP_BATCHES = size(30, 2);
const BATCHES = size(300, 4);
const DEVICES = size(4, 2);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(url: string, headers: Record<string, string>, body: string, via: Agent = agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: via }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(text);
        else reject(new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function batchBodies(deviceId: string, n: number): string[] {
  return Array.from({ length: n }, () =>
    JSON.stringify({ device: deviceId, appVersion: 'bench', items: Array.from({ length: ITEMS_PER_BATCH }, () => makeItem({ bytes: randomBytes(1024) })) }),
  );
}

/** Sends each body once, in order; returns per-batch milliseconds and the total seconds. */
async function timeBatches(bodies: string[], send: (body: string) => Promise<void>): Promise<{ ms: number[]; seconds: number }> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (const body of bodies) {
    const t = performance.now();
    await send(body);
    ms.push(performance.now() - t);
  }
  return { ms: ms.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
}

function runMain(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : []), '--import', 'tsx', MAIN, ...args],
    { env, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, stdout: () => out, exited: new Promise((r) => child.on('exit', r)) };
}

async function waitFor<T>(fn: () => T | undefined, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const v = fn();
    if (v !== undefined) return v;
  }
  throw new Error('timed out');
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-sync-'));
  const env = {
    ...process.env,
    DATABASE_URL: '',
    MAESTRO_SERVER_DB: join(dir, 'server.db'),
    MAESTRO_SERVER_PORT: '0',
    // The limiter stays in the path, set above what the benchmark sends: the figure is ingest, not throttling.
    MAESTRO_SERVER_RATE_PER_SEC: '100000',
    MAESTRO_SERVER_RATE_BURST: '100000',
  };
  const cli = runMain(['enroll-token', '--tenant', 'bench', '--user', 'bench', '--role', 'field'], env);
  if ((await cli.exited) !== 0) throw new Error('enroll-token failed');
  const token = /^token: (\S+)$/m.exec(cli.stdout())?.[1];
  if (!token) throw new Error('enroll-token printed no token');
  const server = runMain([], env);
  const base = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1]);

  const enrollOne = async (t: string) => {
    const keys = newDeviceKeys();
    const enroll = JSON.parse(
      await post(
        `${base}/v1/enroll`,
        { 'content-type': 'application/json' },
        JSON.stringify({ token: t, publicKey: keys.publicKey, deviceName: 'bench', appVersion: 'bench' }),
      ),
    ) as EnrollResponse;
    return { id: enroll.deviceId, privateKey: keys.privateKey };
  };
  const device = await enrollOne(token);

  const bodies = batchBodies(device.id, WARMUP_BATCHES + BATCHES);
  const sendSigned = async (body: string): Promise<void> => {
    const headers = { 'content-type': 'application/json', ...signedHeaders(device, 'POST', '/v1/sync/batch', body, new Date()) };
    const res = JSON.parse(await post(`${base}/v1/sync/batch`, headers, body)) as SyncBatchResponse;
    if (res.results.some((r) => r.status !== 'accepted')) throw new Error('bench batch not fully accepted');
  };
  await timeBatches(bodies.slice(0, WARMUP_BATCHES), sendSigned); // JIT, connection and page cache warm-up
  const srv = await timeBatches(bodies.slice(WARMUP_BATCHES), sendSigned);

  // Ingest: DEVICES devices at once, each sending BATCHES / DEVICES batches, one in flight each.
  const fleet = [];
  for (let i = 0; i < DEVICES; i++) {
    const c = runMain(['enroll-token', '--tenant', 'bench', '--user', `bench-${i}`, '--role', 'field'], env);
    if ((await c.exited) !== 0) throw new Error('enroll-token failed');
    const d = await enrollOne(/^token: (\S+)$/m.exec(c.stdout())![1]!);
    fleet.push({ d, via: new Agent({ keepAlive: true, maxSockets: 1 }), bodies: batchBodies(d.id, BATCHES / DEVICES) });
  }
  const tIngest = performance.now();
  await Promise.all(
    fleet.map(async ({ d, via, bodies: mine }) => {
      for (const body of mine) {
        const headers = { 'content-type': 'application/json', ...signedHeaders(d, 'POST', '/v1/sync/batch', body, new Date()) };
        const res = JSON.parse(await post(`${base}/v1/sync/batch`, headers, body, via)) as SyncBatchResponse;
        if (res.results.some((r) => r.status !== 'accepted')) throw new Error('bench batch not fully accepted');
      }
    }),
  );
  const ingestSeconds = (performance.now() - tIngest) / 1000;
  fleet.forEach((f) => f.via.destroy());
  server.child.kill('SIGTERM');
  await server.exited;
  // Counted in the database itself: /healthz is open and says nothing about items (admins read
  // counts from /v1/admin/health), and a row count is what "every item stored" means anyway.
  const inspector = new Database(env.MAESTRO_SERVER_DB, { readonly: true });
  const stored = (inspector.prepare('SELECT COUNT(*) AS n FROM sync_items').get() as { n: number }).n;
  inspector.close();
  if (stored !== (WARMUP_BATCHES + 2 * BATCHES) * ITEMS_PER_BATCH) throw new Error(`expected every item stored, found ${stored}`);
  rmSync(dir, { recursive: true, force: true });

  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1/sync/batch`;
  const sendBare = async (body: string): Promise<void> => {
    await post(bareUrl, { 'content-type': 'application/json', ...signedHeaders(device, 'POST', '/v1/sync/batch', body, new Date()) }, body);
  };
  await timeBatches(bodies.slice(0, WARMUP_BATCHES), sendBare);
  const ref = await timeBatches(bodies.slice(WARMUP_BATCHES), sendBare);
  agent.destroy();
  bare.closeAllConnections();
  bare.close();

  const items = BATCHES * ITEMS_PER_BATCH;
  const refName = 'same signed batches, same client, to a bare node:http server that only reads the body (in-process)';
  emit({
    name: 'sync.server.ingest',
    value: items / ingestSeconds,
    unit: 'items/s',
    ref: items / ref.seconds,
    refName: `${DEVICES} devices at once, one batch in flight each; ref: ${refName}`,
    target: '>= 15000 (issue 20; first target >= 5000)',
  });
  emit({
    name: 'sync.server.ingest.single',
    value: items / srv.seconds,
    unit: 'items/s',
    ref: items / ref.seconds,
    refName: `one device, one batch in flight; ref: ${refName}`,
    target: null,
  });
  emit({
    name: 'sync.server.batch.p99',
    value: percentile(srv.ms, 99),
    unit: 'ms',
    ref: percentile(ref.ms, 99),
    refName: `one device; ref: ${refName}`,
    target: '< 50',
  });
}
