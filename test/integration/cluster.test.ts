// The cluster as it is deployed: 3 sync-server processes on one PostgreSQL schema, one shared
// signing key file, behind HAProxy running the production configuration (deploy/haproxy/maestro.cfg).
// 50 simulated devices enrol, send batches and pull through HAProxy while a reviewer long-polls
// one instance directly and is woken by an item stored through another. Mid-run one instance is
// SIGKILLed (and started again) and another is restarted gracefully (SIGTERM: drain, exit 0). Devices
// resend after network errors and 502/503/504 with new nonces and the same idempotency keys.
// Afterwards: every item stored exactly once, every receipt verifies with the server key and is the
// stored one, no device stuck. Skipped, with the reason, without PostgreSQL or HAProxy.
import { expect, it, type TestContext } from 'vitest';
import { createEnrollmentToken } from '../../src/server/enrollment-tokens';
import { postgresBackend } from '../../src/server/testing/backends';
import { makeItem } from '../../src/server/testing/device-client';
import { TEAM_CONTRACTS } from '../../src/shared/team/protocol';
import {
  enrollDevice,
  exitOf,
  haproxyPath,
  instanceEnv,
  newTraffic,
  publicKeyOf,
  pull,
  rawGet,
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
} from './cluster';
import { freePort } from './server-process';

const backend = postgresBackend();
const HAPROXY = haproxyPath();
const DEVICES = 50;
const ITEMS_PER_BATCH = 5;
/** Batches every device sends at least, also after the last restart. */
const MIN_BATCHES = 3;
const WAKE_WAIT_S = 20;
/** "Well under the wait": a wake that only came with the long poll's deadline fails this. */
const WAKE_WITHIN_MS = 2500;

/** The load: every device syncs a batch and pulls, over and over, until told to stop. */
function startLoad(
  base: string,
  devices: SimDevice[],
  traffic: Traffic,
): { done: () => number; stop: () => Promise<void>; until: (n: number) => Promise<void> } {
  let stopped = false;
  let batches = 0;
  let failure: unknown = null;
  const runDevice = async (dev: SimDevice): Promise<void> => {
    for (let n = 0; !stopped || n < MIN_BATCHES; n++) {
      await syncBatch(
        base,
        dev,
        Array.from({ length: ITEMS_PER_BATCH }, () => makeItem()),
        traffic,
      );
      batches++;
      await pull(base, dev, traffic);
    }
  };
  const all = Promise.all(devices.map((d) => runDevice(d).catch((err: unknown) => void (failure ??= err))));
  return {
    done: () => batches,
    until: async (n) => {
      for (const end = Date.now() + 60_000; batches < n; await sleep(20)) {
        if (failure) throw failure;
        if (Date.now() > end) throw new Error(`load stalled at ${batches} batches (waiting for ${n})`);
      }
    },
    stop: async () => {
      stopped = true;
      await all;
      if (failure) throw failure;
    },
  };
}

/** A reviewer long-polls instance 1; a field device stores a team item through instance 2. Returns the wake latency. */
async function wakeAcrossInstances(one: Instance, two: Instance, reviewer: SimDevice, field: SimDevice, traffic: Traffic): Promise<number> {
  while ((await pull(one.url, reviewer, traffic)).hasMore);
  const polled = Date.now();
  const polling = pull(one.url, reviewer, traffic, WAKE_WAIT_S);
  await sleep(800); // the poll is now waiting on instance 1 (an item stored before it subscribed would only make it faster)
  const item = makeItem({ kind: 'run', contract: TEAM_CONTRACTS.run, keyScope: 'tenant' });
  await syncBatch(two.url, field, [item], traffic);
  const stored = Date.now();
  const page = await polling;
  const woke = Date.now();
  expect(page.items.map((i) => i.item?.wire.idempotencyKey)).toContain(item.idempotencyKey);
  expect(woke - polled).toBeGreaterThan(700); // it did wait
  return woke - stored;
}

/** The front end's own rules: /metrics refused in every spelling (the route exists), request ids set or kept. */
async function expectFrontEndRules(lb: Balancer, direct: Instance): Promise<void> {
  const own = await rawGet(direct.url, '/metrics');
  expect(own.status).toBe(200); // a loopback scrape straight at the instance
  expect(own.body).toContain('maestro_');
  for (const path of ['/metrics', '/%6detrics', '/./metrics', '//metrics', '/x/../metrics', '/metrics?x=1']) {
    expect((await rawGet(lb.url, path)).status, path).toBe(403);
  }
  const fresh = await rawGet(lb.url, '/livez');
  expect(fresh.status).toBe(200);
  expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const kept = await rawGet(lb.url, '/livez', { 'x-request-id': 'cluster-test-0001' });
  expect(kept.headers['x-request-id']).toBe('cluster-test-0001');
  const replaced = await rawGet(lb.url, '/livez', { 'x-request-id': 'no good' });
  expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
}

/** SIGTERM, drain, exit 0, start again, back in rotation: returns how long the stop and the comeback took. */
async function restartGracefully(inst: Instance[], i: number, dir: string, env: NodeJS.ProcessEnv, lb: Balancer): Promise<string> {
  const t = Date.now();
  const exit = exitOf(inst[i]!.proc);
  await inst[i]!.proc.stop('SIGTERM');
  expect(await exit).toBe(0); // drained: in-flight batches finished, long polls ended, exit 0
  const stopped = Date.now();
  inst[i] = await startInstance(dir, inst[i]!.port, env);
  await lb.waitStates({ s1: 'UP', s2: 'UP', s3: 'UP' });
  return `stop ${stopped - t} ms + start ${Date.now() - stopped} ms`;
}

it('3 instances behind HAProxy on one PostgreSQL: kill and restart mid-run, every item once, every receipt verifies, no device stuck', async (ctx: TestContext) => {
  const reason = backend.skipReason() ?? (HAPROXY ? null : 'HAProxy not installed (Debian package haproxy; scripts/install-test-deps.sh)');
  if (reason) {
    ctx.task.meta.skipReason = reason;
    return ctx.skip(reason);
  }
  const t0 = Date.now();
  const db = await backend.open();
  const inst: Instance[] = [];
  let lb: Balancer | undefined;
  try {
    const keyFile = writeServerKey(db.dir);
    const env = instanceEnv(db, keyFile);
    const ports = [await freePort(), await freePort(), await freePort()];
    inst.push(...(await Promise.all(ports.map((p) => startInstance(db.dir, p, env)))));
    lb = await startBalancer(HAPROXY!, ports);
    await lb.waitStates({ s1: 'UP', s2: 'UP', s3: 'UP' });
    const started = Date.now() - t0;
    await expectFrontEndRules(lb, inst[0]!);

    const token = async (tenant: string, user: string, role: 'field' | 'reviewer'): Promise<string> =>
      (await createEnrollmentToken(db.storage, new Date(), { tenant, user, role }, 'cluster-test')).token;
    const devices = await Promise.all(
      Array.from({ length: DEVICES }, async (_, i) => enrollDevice(lb!.url, await token('acme', `field-${i}`, 'field'), 'acme')),
    );
    // The wake check has a tenant of its own, so the load's feed rows never wake the reviewer.
    const reviewer = await enrollDevice(lb.url, await token('wake', 'reviewer', 'reviewer'), 'wake');
    const author = await enrollDevice(lb.url, await token('wake', 'author', 'field'), 'wake');
    const traffic = newTraffic();

    const load = startLoad(lb.url, devices, traffic);
    await load.until(60);
    const wakeMs = await wakeAcrossInstances(inst[0]!, inst[1]!, reviewer, author, traffic);
    expect(wakeMs).toBeLessThan(WAKE_WITHIN_MS);

    // SIGKILL instance 2 with batches in flight on it; HAProxy takes it out, devices resend elsewhere.
    await load.until(load.done() + 40);
    await inst[1]!.proc.stop('SIGKILL');
    const killedAt = load.done();
    await lb.waitStates({ s2: 'DOWN' });
    await load.until(load.done() + 60);
    inst[1] = await startInstance(db.dir, ports[1]!, env);
    await lb.waitStates({ s1: 'UP', s2: 'UP', s3: 'UP' });
    await load.until(load.done() + 40);
    // Restart instance 3 the way systemd does (SIGTERM, drain, exit 0), under load.
    const restartMs = await restartGracefully(inst, 2, db.dir, env, lb);
    await load.until(load.done() + 40);
    await load.stop();

    // Every device caught up with its feed (nothing left to pull) and had every item acknowledged.
    for (const d of devices) while ((await pull(lb.url, d, traffic)).hasMore);
    const made = devices.flatMap((d) => d.made);
    for (const d of devices) expect(d.receipts.size, `device ${d.id} has unacknowledged items`).toBe(d.made.length);

    const [counts] = await db.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS d FROM sync_items WHERE tenant = 'acme'`);
    expect({ n: Number(counts!.n), d: Number(counts!.d) }).toEqual({ n: made.length, d: made.length });
    const stored = new Map(
      (await db.query(`SELECT idempotency_key, content_hash, receipt_sig FROM sync_items WHERE tenant = 'acme'`)).map((r) => [String(r.idempotency_key), r]),
    );
    const key = publicKeyOf(keyFile);
    const bad: string[] = [];
    for (const d of devices) {
      for (const item of d.made) {
        const r = d.receipts.get(item.idempotencyKey)!;
        const row = stored.get(item.idempotencyKey);
        if (!row || !receiptVerifies(key, r) || r.receipt.contentHash !== item.contentHash || r.signature !== row.receipt_sig || r.receipt.device !== d.id) {
          bad.push(item.idempotencyKey);
        }
      }
    }
    expect(bad).toEqual([]);

    const servers = await lb.servers();
    for (const s of ['s1', 's2', 's3']) expect(servers[s]!.sessions, `${s} served no request`).toBeGreaterThan(0);
    console.log(
      `cluster: ${DEVICES} devices, ${load.done()} batches, ${made.length} items stored once; ${traffic.requests} requests, ` +
        `resent ${JSON.stringify(traffic.resent)}; killed s2 after ${killedAt} batches; wake across instances ${wakeMs} ms; ` +
        `graceful restart: ${restartMs}; start ${started} ms; total ${Date.now() - t0} ms`,
    );
  } catch (err) {
    if (lb) process.stderr.write(`haproxy log tail:\n${lb.log().slice(-3000)}\n`);
    throw err;
  } finally {
    await lb?.stop();
    await Promise.allSettled(inst.map((i) => i.proc.stop('SIGKILL')));
    await db.dispose();
  }
}, 150_000);
