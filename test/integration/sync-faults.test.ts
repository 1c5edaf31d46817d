// Fault-injection property test for exactly-once sync. Random interleavings of: captures; sync runs
// in a real child process that may be SIGKILLed mid-batch; a proxy that drops responses after the
// server has processed the request, or delivers a request twice; server restarts (SIGKILL too).
// Afterwards every captured item has exactly one server record and one verified receipt.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import Database from 'better-sqlite3';
import { createServices, type Services } from '../../src/main/app/services';
import { tempDir, TEST_PASSPHRASE, unlockedVault } from '../../src/main/platform/test-utils';
import { enrollToken, freePort, startServer, type ServerProc } from './server-process';
import { xorshift32 } from '../../src/platform/prng';

const SEED = Number(process.env.MAESTRO_FAULT_SEED ?? 20261122);
const ROUNDS = Number(process.env.MAESTRO_FAULT_ROUNDS ?? 36);

type Fault = 'none' | 'drop-response' | 'duplicate';

/** Set while a sync child runs that should die mid-batch: the proxy calls it at the chosen moment. */
let killChildMidBatch: null | { when: 'before-server' | 'after-server'; kill: () => void } = null;

/** A loopback proxy in front of the server that injects faults into /v1/sync/batch exchanges. */
function faultProxy(target: () => number, pick: () => Fault, counts: Record<string, number>): Promise<{ server: Server; port: number }> {
  const forward = (method: string, path: string, headers: Record<string, string | string[] | undefined>, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: target(), method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const fault: Fault = req.url?.startsWith('/v1/sync/batch') ? pick() : 'none';
      counts[fault] = (counts[fault] ?? 0) + 1;
      try {
        const k = req.url?.startsWith('/v1/sync/batch') ? killChildMidBatch : null;
        if (k?.when === 'before-server') {
          killChildMidBatch = null;
          k.kill();
          counts['killed-before-server'] = (counts['killed-before-server'] ?? 0) + 1;
          res.socket?.destroy();
          return;
        }
        const reply = await forward(req.method!, req.url!, req.headers, body);
        if (k?.when === 'after-server') {
          // The server stored the batch and signed receipts; the device dies before hearing them.
          killChildMidBatch = null;
          k.kill();
          counts['killed-after-server'] = (counts['killed-after-server'] ?? 0) + 1;
          res.socket?.destroy();
          return;
        }
        if (fault === 'duplicate') {
          // The network delivers the same signed request again: the server must store nothing twice
          // (it refuses the replayed nonce); the device hears the first answer.
          await forward(req.method!, req.url!, req.headers, body).catch(() => undefined);
        }
        if (fault === 'drop-response') {
          res.socket?.destroy(); // the server did the work; the device never hears about it
          return;
        }
        res.writeHead(reply.status, { 'content-type': String(reply.headers['content-type'] ?? 'application/json') });
        res.end(reply.body);
      } catch {
        res.socket?.destroy(); // server down mid-request
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

function syncChild(dataDir: string, killAfterMs: number | null, midBatch: 'before-server' | 'after-server' | null = null): Promise<'exited' | 'killed'> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/app/sync-once.ts', dataDir, '--force'], {
    env: { ...process.env, MAESTRO_KEYSTORE: 'vault', MAESTRO_VAULT_PASSPHRASE: TEST_PASSPHRASE },
    stdio: 'ignore',
  });
  return new Promise((resolve) => {
    let killed = false;
    const kill = () => ((killed = true), child.kill('SIGKILL'));
    if (midBatch) killChildMidBatch = { when: midBatch, kill };
    const t = killAfterMs === null ? null : setTimeout(kill, killAfterMs);
    child.on('exit', () => {
      if (t) clearTimeout(t);
      killChildMidBatch = null;
      resolve(killed ? 'killed' : 'exited');
    });
  });
}

let srv: ServerProc | undefined;
let proxy: Server | undefined;
let device: Services | undefined;
afterAll(async () => {
  device?.close();
  proxy?.close();
  await srv?.stop();
});

describe('exactly-once sync under faults', () => {
  it(`every captured item reaches the server exactly once with one verified receipt (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    const rand = xorshift32(SEED);
    const counts: Record<string, number> = {};
    const serverDir = tempDir('maestro-fault-srv-');
    const serverPort = await freePort();
    srv = await startServer(serverDir, serverPort, { MAESTRO_SERVER_RATE_PER_SEC: '1000', MAESTRO_SERVER_RATE_BURST: '2000' });
    const p = await faultProxy(
      () => serverPort,
      () => {
        const x = rand();
        return x < 0.3 ? 'drop-response' : x < 0.55 ? 'duplicate' : 'none';
      },
      counts,
    );
    proxy = p.server;
    const dataDir = tempDir('maestro-fault-dev-');
    device = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
    device.profile.setup({ name: 'Fi', tenant: 'acme' });
    await device.sync.enroll(`http://127.0.0.1:${p.port}/`, enrollToken(serverDir, serverPort, 'acme', 'fi@acme'));

    let captured = 0;
    const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
    for (let round = 0; round < ROUNDS; round++) {
      const n = 1 + Math.floor(rand() * 25);
      for (let i = 0; i < n; i++) {
        device.capture.submit({
          contract: 'field.inspect.site@1.2.0',
          data: { siteId: `PS-${captured}`, inspectedAt: '2026-11-21', location: { lat: 1, lon: 2 }, condition: 'good', inspector: { name: 'Fi' } },
        });
        captured++;
      }
      const action = rand();
      if (action < 0.55) {
        const mode = rand();
        // A third die at a random moment, a third exactly around a batch exchange, a third finish.
        const outcome =
          mode < 0.33
            ? await syncChild(dataDir, 20 + Math.floor(rand() * 900))
            : mode < 0.66
              ? await syncChild(dataDir, null, rand() < 0.5 ? 'before-server' : 'after-server')
              : await syncChild(dataDir, null);
        bump(outcome === 'killed' ? 'sync-killed' : 'sync-completed');
      } else if (action < 0.75) {
        await srv.stop(rand() < 0.5 ? 'SIGKILL' : 'SIGTERM');
        bump('server-restart');
        // A sync while the server is down: the items must wait, unharmed.
        if (rand() < 0.5) bump((await syncChild(dataDir, null)) === 'killed' ? 'sync-killed' : 'sync-while-down');
        srv = await startServer(serverDir, serverPort, { MAESTRO_SERVER_RATE_PER_SEC: '1000', MAESTRO_SERVER_RATE_BURST: '2000' });
      } else {
        bump('in-process-sync');
        await device.sync.syncNow({ force: true });
      }
    }
    // Faults off: drain the queue.
    const drain = await faultProxy(
      () => serverPort,
      () => 'none',
      {},
    );
    device.db.prepare('UPDATE sync_config SET server_url = ?').run(`http://127.0.0.1:${drain.port}/`);
    for (let i = 0; i < 5 && device.outbox.counts().queued > 0; i++) await device.sync.syncNow({ force: true });
    drain.server.close();

    const items: { idempotencyKey: string; receiptVerified: boolean; serverSeq: number | null }[] = [];
    for (let before: string | undefined; ;) {
      const page = device.outbox.list({ limit: 500, beforeId: before });
      items.push(...page);
      if (page.length < 500) break;
      before = page[page.length - 1]!.id;
    }
    const sdb = new Database(srv.dbPath, { readonly: true });
    const perKey = sdb.prepare('SELECT idempotency_key AS k, count(*) AS n FROM sync_items GROUP BY idempotency_key').all() as { k: string; n: number }[];
    const serverTotal = sdb.prepare('SELECT count(*) FROM sync_items').pluck().get() as number;
    sdb.close();
    const scenarioLine = `fault-injection: seed ${SEED}, ${ROUNDS} rounds, ${captured} items, faults ${JSON.stringify(counts)}`;
    console.log(scenarioLine);

    expect(captured).toBeGreaterThan(200);
    expect(items).toHaveLength(captured);
    expect(device.outbox.counts()).toMatchObject({ queued: 0, dead: 0, blocked: 0, acked: captured });
    expect(items.every((i) => i.receiptVerified)).toBe(true);
    expect(serverTotal).toBe(captured);
    expect(perKey.every((r) => r.n === 1)).toBe(true);
    expect(new Set(perKey.map((r) => r.k))).toEqual(new Set(items.map((i) => i.idempotencyKey)));
    expect(new Set(items.map((i) => i.serverSeq)).size).toBe(captured);
    // The faults really happened.
    expect((counts['drop-response'] ?? 0) + (counts.duplicate ?? 0)).toBeGreaterThan(3);
    expect(counts['server-restart'] ?? 0).toBeGreaterThan(0);
    expect((counts['killed-before-server'] ?? 0) + (counts['killed-after-server'] ?? 0)).toBeGreaterThan(3);
  }, 240_000);
});
