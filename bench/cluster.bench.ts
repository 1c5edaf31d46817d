// The sync server as a cluster (issue 18): three real server processes (src/server/main.ts) on one
// PostgreSQL schema, one shared key file, behind HAProxy running deploy/haproxy/maestro.cfg, all on
// loopback. The clients run in this process and sign every request as a device does
// (test/integration/cluster.ts). Devices enrol over HTTP through HAProxy, one token each.
// - sync.cluster.ingest: the sync-server.bench load (devices with one batch of 100 × 1 KiB items in
//   flight each) through HAProxy to 3 instances; ref: the same devices and load straight at 1
//   instance. Run single, cluster, cluster, single (drift on a shared machine cancels out).
// - pull.wake.crossinstance.p99: a reviewer long-polls instance B, an author stores a team item
//   through instance A; from sending the batch to the poll answering with the item (so it includes
//   the ingest). ref: the same with A = B (the in-process wake), interleaved.
// - load.devices.errors / .p99: 2,000 devices, each its own key, token and enrolment, each sends one
//   signed batch on a connection of its own, 64 at a time, no retries. ref: one device alone.
// - sync.cluster.failover.lost / .dup: devices sync through HAProxy without pause while instances
//   are SIGKILLed in turn (one a second) and started again; devices resend after 502/503/504 or a
//   network error (new nonce, same idempotency keys). Counted in the database afterwards.
// PostgreSQL: MAESTRO_TEST_DATABASE_URL, else the throwaway cluster of scripts/pg-test.sh (only when
// a PostgreSQL server is installed; this never installs one). HAProxy: the Debian package. Without
// either, each figure is printed with "skipped" and the reason. `npm run bench -- sync.cluster` runs
// every part on one cluster; a narrower prefix (`load.`, `pull.wake`, `sync.cluster.failover`) only
// the parts whose figures match.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createEnrollmentToken } from '../src/server/enrollment-tokens';
import { postgresBackend, type TestDb } from '../src/server/testing/backends';
import { makeItem, signedHeaders } from '../src/server/testing/device-client';
import type { Role } from '../src/server/storage/types';
import type { SyncBatchResponse } from '../src/shared/sync/protocol';
import { TEAM_CONTRACTS } from '../src/shared/team/protocol';
import {
  enrollDevice,
  haproxyPath,
  httpPost,
  instanceEnv,
  newTraffic,
  publicKeyOf,
  pull,
  receiptVerifies,
  sleep,
  startBalancer,
  startInstance,
  syncBatch,
  writeServerKey,
  type Balancer,
  type Instance,
  type SimDevice,
  type Traffic,
} from '../test/integration/cluster';
import { freePort } from '../test/integration/server-process';
import { emit, emitSkipped, percentile, size, SMOKE, type Figure } from './figure';

const INGEST = size(
  { devices: 6, batchesPerRound: 20, items: 100, bytes: 1024, warmup: 3 },
  { devices: 2, batchesPerRound: 2, items: 10, bytes: 256, warmup: 1 },
);
const WAKE = size({ samples: 160, refEvery: 4, settleMs: 100, waitS: 20 }, { samples: 4, refEvery: 4, settleMs: 50, waitS: 20 });
const LOAD = size(
  { devices: 2000, items: 10, inFlight: 64, enrolInFlight: 32, refBatches: 50 },
  { devices: 8, items: 2, inFlight: 4, enrolInFlight: 4, refBatches: 2 },
);
const FAILOVER = size({ devices: 16, items: 5, kills: 21, everyMs: 1000 }, { devices: 2, items: 2, kills: 1, everyMs: 200 });

const PARTS = {
  ingest: ['sync.cluster.ingest'],
  wake: ['pull.wake.crossinstance.p99'],
  load: ['load.devices.errors', 'load.devices.p99'],
  failover: ['sync.cluster.failover.lost', 'sync.cluster.failover.dup'],
};

/** A part runs when one of its figures matches the command line's prefix `f`; `sync.cluster` (or none) runs all. */
function wanted(names: string[], f: string): boolean {
  return 'sync.cluster.'.startsWith(f) || names.some((n) => n.startsWith(f) || f.startsWith(n));
}

const log = (msg: string): void => void process.stderr.write(`cluster bench: ${msg}\n`);

interface Cluster {
  db: TestDb;
  env: NodeJS.ProcessEnv;
  keyFile: string;
  ports: number[];
  inst: Instance[];
  lb: Balancer;
}

/** PostgreSQL for the run, or why there is none. */
function postgresUrl(): { url: string } | { reason: string } {
  const url = process.env.MAESTRO_TEST_DATABASE_URL;
  if (url) return { url };
  // The smoke run (npm test) uses the PostgreSQL npm test started, or none.
  if (SMOKE) return { reason: 'PostgreSQL not available (MAESTRO_TEST_DATABASE_URL is not set)' };
  const root = '/usr/lib/postgresql';
  const installed = existsSync(root) && readdirSync(root).some((v) => existsSync(`${root}/${v}/bin/pg_ctl`));
  if (!installed) return { reason: 'PostgreSQL not available (set MAESTRO_TEST_DATABASE_URL, or install the Debian package postgresql)' };
  try {
    const out = execFileSync('bash', ['scripts/pg-test.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /MAESTRO_TEST_DATABASE_URL=(\S+)/.exec(out);
    return m ? { url: m[1]! } : { reason: 'scripts/pg-test.sh printed no URL' };
  } catch (err) {
    return { reason: `scripts/pg-test.sh failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function openCluster(url: string, haproxy: string): Promise<Cluster> {
  const db = await postgresBackend(url).open();
  const keyFile = writeServerKey(db.dir);
  const env = instanceEnv(db, keyFile);
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  const inst = await Promise.all(ports.map((p) => startInstance(db.dir, p, env)));
  const lb = await startBalancer(haproxy, ports);
  await lb.waitStates({ s1: 'UP', s2: 'UP', s3: 'UP' });
  return { db, env, keyFile, ports, inst, lb };
}

async function closeCluster(c: Cluster): Promise<void> {
  await c.lb.stop();
  await Promise.allSettled(c.inst.map((i) => i.proc.stop('SIGKILL')));
  await c.db.dispose();
}

/** fn(0..n-1), at most `limit` at a time, results in order. */
async function mapLimit<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}

/** `n` devices of `tenant`, each with its own token, enrolled over HTTP through HAProxy. */
function enrollMany(c: Cluster, tenant: string, n: number, inFlight = 16, role: Role = 'field'): Promise<SimDevice[]> {
  return mapLimit(n, inFlight, async (i) => {
    const { token } = await createEnrollmentToken(c.db.storage, new Date(), { tenant, user: `${tenant}-${i}`, role }, 'cluster-bench');
    return enrollDevice(c.lb.url, token, tenant);
  });
}

/** POST one signed batch; resolves with its latency, or throws unless every item came back accepted. */
async function sendBatch(base: string, dev: SimDevice, body: string, agent: Agent): Promise<number> {
  const t = performance.now();
  const headers = { 'content-type': 'application/json', ...signedHeaders(dev, 'POST', '/v1/sync/batch', body, new Date()) };
  const res = await httpPost(new URL('/v1/sync/batch', base).href, headers, body, agent);
  if (res.status !== 200) throw new Error(`status ${res.status}: ${res.text.slice(0, 200)}`);
  const parsed = JSON.parse(res.text) as SyncBatchResponse;
  if (parsed.results.some((r) => r.status !== 'accepted')) throw new Error('batch not fully accepted');
  return performance.now() - t;
}

function batchBody(dev: SimDevice, items: number, bytes?: number): string {
  const made = Array.from({ length: items }, () => makeItem(bytes ? { bytes: randomBytes(bytes) } : {}));
  return JSON.stringify({ device: dev.id, appVersion: 'bench', items: made });
}

/** Every device sends its bodies in order, one in flight each, on a kept-alive connection of its own. */
async function ingestRound(base: string, devices: SimDevice[], bodies: string[][]): Promise<number> {
  const agents = devices.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const t0 = performance.now();
  await Promise.all(
    devices.map(async (d, i) => {
      for (const body of bodies[i]!) await sendBatch(base, d, body, agents[i]!);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agents.forEach((a) => a.destroy());
  return seconds;
}

async function benchIngest(c: Cluster): Promise<void> {
  const devices = await enrollMany(c, 'ingest', INGEST.devices);
  const round = (n: number): string[][] => devices.map((d) => Array.from({ length: n }, () => batchBody(d, INGEST.items, INGEST.bytes)));
  // Warm-up: JIT, pools and connections on every instance and on HAProxy.
  for (const base of [...c.inst.map((i) => i.url), c.lb.url]) await ingestRound(base, devices, round(INGEST.warmup));
  const direct = c.inst[0]!.url;
  const plan = [direct, c.lb.url, c.lb.url, direct];
  const rounds = plan.map(() => round(INGEST.batchesPerRound));
  const seconds = { [direct]: 0, [c.lb.url]: 0 };
  for (const [k, base] of plan.entries()) seconds[base]! += await ingestRound(base, devices, rounds[k]!);
  const items = 2 * INGEST.devices * INGEST.batchesPerRound * INGEST.items;
  const [cluster, single] = [items / seconds[c.lb.url]!, items / seconds[direct]!];
  const figure: Figure & Record<string, unknown> = {
    name: 'sync.cluster.ingest',
    value: cluster,
    unit: 'items/s',
    ref: single,
    refName: `same ${INGEST.devices} devices and load (batches of ${INGEST.items} × ${INGEST.bytes} B, one in flight per device) straight at 1 instance`,
    target: 'ratio >= 0.8',
    ratio: Math.round((cluster / single) * 100) / 100,
    items,
  };
  emit(figure);
}

/** One wake: the reviewer polls `poller`, the author stores a team item through `writer`. */
async function wakeSample(poller: Instance, writer: Instance, reviewer: SimDevice, author: SimDevice, traffic: Traffic): Promise<number> {
  const answered = pull(poller.url, reviewer, traffic, WAKE.waitS).then((page) => ({ page, at: performance.now() }));
  await sleep(WAKE.settleMs); // the poll is waiting on `poller` by now
  const item = makeItem({ kind: 'run', contract: TEAM_CONTRACTS.run, keyScope: 'tenant' });
  const t0 = performance.now();
  await syncBatch(writer.url, author, [item], traffic);
  let { page, at } = await answered;
  const has = (): boolean => page.items.some((i) => i.item?.wire.idempotencyKey === item.idempotencyKey);
  while (!has()) ({ page, at } = await pull(poller.url, reviewer, traffic, WAKE.waitS).then((p) => ({ page: p, at: performance.now() })));
  return at - t0;
}

async function benchWake(c: Cluster): Promise<void> {
  const [reviewer] = await enrollMany(c, 'wake', 1, 1, 'reviewer');
  const [author] = await enrollMany(c, 'wake', 1, 1);
  const traffic = newTraffic();
  while ((await pull(c.lb.url, reviewer!, traffic)).hasMore);
  const cross: number[] = [];
  const same: number[] = [];
  for (let j = 0; j < WAKE.samples; j++) {
    const b = c.inst[j % 3]!;
    if (j % WAKE.refEvery === WAKE.refEvery - 1) same.push(await wakeSample(b, b, reviewer!, author!, traffic));
    else cross.push(await wakeSample(b, c.inst[(j + 1) % 3]!, reviewer!, author!, traffic));
  }
  cross.sort((a, b) => a - b);
  same.sort((a, b) => a - b);
  const figure: Figure & Record<string, unknown> = {
    name: 'pull.wake.crossinstance.p99',
    value: percentile(cross, 99),
    unit: 'ms',
    ref: percentile(same, 99),
    refName: `same instance stores and wakes (p50 ${percentile(same, 50).toFixed(1)} ms, ${same.length} samples)`,
    target: '< 500',
    p50: Math.round(percentile(cross, 50) * 10) / 10,
    max: Math.round(cross.at(-1)! * 10) / 10,
    samples: cross.length,
  };
  emit(figure);
}

async function benchLoad(c: Cluster): Promise<void> {
  let t = performance.now();
  const devices = await enrollMany(c, 'load', LOAD.devices, LOAD.enrolInFlight);
  const enrolS = (performance.now() - t) / 1000;
  log(`load: ${devices.length} devices enrolled over HTTP in ${enrolS.toFixed(1)} s`);
  // A connection per request, as laptops that sync now and then each open their own.
  const agent = new Agent({ keepAlive: false, maxSockets: LOAD.inFlight });
  const alone: number[] = [];
  for (let i = 0; i < LOAD.refBatches; i++) alone.push(await sendBatch(c.lb.url, devices[0]!, batchBody(devices[0]!, LOAD.items), agent));
  const bodies = devices.map((d) => batchBody(d, LOAD.items));
  const errors: string[] = [];
  t = performance.now();
  const ms = await mapLimit(devices.length, LOAD.inFlight, async (i) => {
    const t0 = performance.now();
    return sendBatch(c.lb.url, devices[i]!, bodies[i]!, agent).catch((err: unknown) => {
      errors.push(err instanceof Error ? err.message : String(err));
      return performance.now() - t0;
    });
  });
  const stormS = (performance.now() - t) / 1000;
  agent.destroy();
  ms.sort((a, b) => a - b);
  alone.sort((a, b) => a - b);
  const common = { devices: devices.length, batches: ms.length, itemsPerBatch: LOAD.items, inFlight: LOAD.inFlight, seconds: Math.round(stormS * 10) / 10 };
  const enrolment = `HTTP /v1/enroll through HAProxy, ${LOAD.enrolInFlight} at a time, ${enrolS.toFixed(1)} s`;
  const errorsFig: Figure & Record<string, unknown> = {
    name: 'load.devices.errors',
    value: (100 * errors.length) / ms.length,
    unit: '%',
    ref: ms.length,
    refName: 'batches sent (one per device, no retries)',
    target: '= 0',
    ...common,
    errors: errors.length,
    ...(errors.length ? { firstError: errors[0] } : {}),
    enrolment,
  };
  emit(errorsFig);
  const p99Fig: Figure & Record<string, unknown> = {
    name: 'load.devices.p99',
    value: percentile(ms, 99),
    unit: 'ms',
    ref: percentile(alone, 99),
    refName: `one device alone, ${LOAD.refBatches} batches one after another (p50 ${percentile(alone, 50).toFixed(1)} ms)`,
    target: null,
    ...common,
    p50: Math.round(percentile(ms, 50) * 10) / 10,
    batchesPerSecond: Math.round(ms.length / stormS),
  };
  emit(p99Fig);
}

/** Devices syncing through HAProxy until stopped; an error is counted, and the device goes on. */
function failoverLoad(c: Cluster, devices: SimDevice[], traffic: Traffic): { batches: () => number; errors: string[]; stop: () => Promise<void> } {
  let stopped = false;
  let batches = 0;
  const errors: string[] = [];
  const loops = devices.map(async (d) => {
    while (!stopped) {
      const items = Array.from({ length: FAILOVER.items }, () => makeItem());
      await syncBatch(c.lb.url, d, items, traffic).then(
        () => void batches++,
        (err: unknown) => void errors.push(err instanceof Error ? err.message : String(err)),
      );
    }
  });
  return {
    batches: () => batches,
    errors,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** SIGKILL instances in turn, starting each again at once; returns how many were killed. */
async function killInTurn(c: Cluster): Promise<number> {
  const restarting: Promise<void>[] = c.inst.map(() => Promise.resolve());
  let kills = 0;
  for (let k = 0; k < FAILOVER.kills; k++) {
    const i = k % c.inst.length;
    await restarting[i]; // never two kills of the same instance before it is back
    await c.inst[i]!.proc.stop('SIGKILL');
    kills++;
    restarting[i] = startInstance(c.db.dir, c.ports[i]!, c.env).then((inst) => void (c.inst[i] = inst));
    await sleep(FAILOVER.everyMs);
  }
  await Promise.all(restarting);
  await c.lb.waitStates({ s1: 'UP', s2: 'UP', s3: 'UP' }, 30_000);
  return kills;
}

async function benchFailover(c: Cluster): Promise<void> {
  const devices = await enrollMany(c, 'failover', FAILOVER.devices);
  const traffic = newTraffic();
  const load = failoverLoad(c, devices, traffic);
  const t0 = performance.now();
  for (const end = Date.now() + 30_000; load.batches() < 3 * FAILOVER.devices && Date.now() < end;) await sleep(20);
  const kills = await killInTurn(c);
  const atKills = load.batches();
  for (const end = Date.now() + 30_000; load.batches() < atKills + 2 * FAILOVER.devices && Date.now() < end;) await sleep(20);
  await load.stop();
  const seconds = (performance.now() - t0) / 1000;

  const rows = await c.db.query(`SELECT idempotency_key AS k, COUNT(*) AS n FROM sync_items WHERE tenant = 'failover' GROUP BY idempotency_key`);
  const stored = new Map(rows.map((r) => [String(r.k), Number(r.n)]));
  const made = devices.flatMap((d) => d.made.map((i) => i.idempotencyKey));
  const madeSet = new Set(made);
  const lost = made.filter((k) => !stored.has(k)).length;
  const dup = [...stored.values()].reduce((s, n) => s + n - 1, 0);
  const key = publicKeyOf(c.keyFile);
  const receipts = devices.flatMap((d) => [...d.receipts.values()]);
  const common = {
    kills,
    devices: FAILOVER.devices,
    batches: load.batches(),
    seconds: Math.round(seconds),
    unacknowledged: made.length - receipts.length,
    receiptsFailingVerify: receipts.filter((r) => !receiptVerifies(key, r)).length,
    notMadeButStored: [...stored.keys()].filter((k) => !madeSet.has(k)).length,
    resent: traffic.resent,
    deviceErrors: load.errors.length,
    ...(load.errors.length ? { firstError: load.errors[0] } : {}),
  };
  const lostFig: Figure & Record<string, unknown> = {
    name: 'sync.cluster.failover.lost',
    value: lost,
    unit: 'items',
    ref: made.length,
    refName: `items made by ${FAILOVER.devices} devices while ${kills} SIGKILLs hit the instances`,
    target: '= 0',
    decimals: 0,
    ...common,
  };
  emit(lostFig);
  const dupFig: Figure & Record<string, unknown> = {
    name: 'sync.cluster.failover.dup',
    value: dup,
    unit: 'extra rows',
    ref: stored.size,
    refName: 'idempotency keys stored (rows beyond one per key are duplicates)',
    target: '= 0',
    decimals: 0,
    ...common,
  };
  emit(dupFig);
}

const parts: [keyof typeof PARTS, (c: Cluster) => Promise<void>][] = [
  ['ingest', benchIngest],
  ['wake', benchWake],
  ['load', benchLoad],
  ['failover', benchFailover],
];

export async function run(filter = ''): Promise<void> {
  const todo = parts.filter(([p]) => wanted(PARTS[p], filter));
  if (todo.length === 0) return;
  const pg = postgresUrl();
  const haproxy = haproxyPath();
  const missing =
    'reason' in pg
      ? { reason: pg.reason, what: 'postgresql' }
      : haproxy
        ? null
        : { reason: 'HAProxy not installed (Debian package haproxy; scripts/install-test-deps.sh)', what: 'haproxy' };
  if (missing) {
    for (const [p] of todo) for (const name of PARTS[p]) emitSkipped(name, missing.reason, missing.what);
    return;
  }
  const t0 = performance.now();
  const c = await openCluster((pg as { url: string }).url, haproxy!);
  try {
    for (const [p, fn] of todo) {
      const t = performance.now();
      await fn(c);
      log(`${p}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } catch (err) {
    process.stderr.write(`haproxy log tail:\n${c.lb.log().slice(-2000)}\n`);
    throw err;
  } finally {
    await closeCluster(c);
    log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}
