// Real server processes on one PostgreSQL schema (no load balancer; the HAProxy cluster test is
// cluster.test.ts): three instances migrate an empty schema at once; a long poll on one instance is
// woken by an item stored through another; SIGTERM drains an instance (readyz 503, the open long
// poll ends 200 with Retry-After, the in-flight batch completes, exit 0).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollmentToken } from '../../src/server/enrollment-tokens';
import { PG_SCHEMA_VERSION } from '../../src/server/storage/postgres-migrations';
import { openPostgresStorage } from '../../src/server/storage/postgres';
import { FEED_LOCK_NS } from '../../src/server/storage/postgres-helpers';
import { PG_SKIP_REASON, PG_URL_ENV } from '../../src/server/testing/backends';
import { makeItem, newDeviceKeys, signedHeaders, type DeviceKeys } from '../../src/server/testing/device-client';
import type { ServerStorage } from '../../src/server/storage/types';
import { freePort, startServer, type ServerProc } from './server-process';

const url = process.env[PG_URL_ENV];

interface Dev extends DeviceKeys {
  id: string;
}

async function enroll(base: string, token: string): Promise<Dev> {
  const keys = newDeviceKeys();
  const res = await fetch(new URL('/v1/enroll', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, publicKey: keys.publicKey, deviceName: 'laptop', appVersion: '1.0.0' }),
  });
  if (res.status !== 200) throw new Error(`enroll ${res.status}: ${await res.text()}`);
  return { ...keys, id: ((await res.json()) as { deviceId: string }).deviceId };
}

function signed(base: string, dev: Dev, method: 'GET' | 'POST', path: string, body = ''): Promise<Response> {
  return fetch(new URL(path, base), {
    method,
    headers: { 'content-type': 'application/json', ...signedHeaders(dev, method, path, body, new Date()) },
    ...(method === 'POST' ? { body } : {}),
  });
}

const batch = (base: string, dev: Dev, items: unknown[]): Promise<Response> =>
  signed(base, dev, 'POST', '/v1/sync/batch', JSON.stringify({ device: dev.id, appVersion: '1.0.0', items }));

describe.skipIf(!url)(`server instances on one PostgreSQL schema${url ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  const schema = `maestro_i_${randomBytes(6).toString('hex')}`;
  let dir: string;
  let admin: pg.Pool;
  let env: Record<string, string>;
  let servers: ServerProc[] = [];
  let storage: ServerStorage;
  const token = async (role: 'field' | 'reviewer'): Promise<string> =>
    (await createEnrollmentToken(storage, new Date(), { tenant: 'acme', user: `u-${role}`, role }, 'test')).token;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maestro-inst-'));
    admin = new pg.Pool({ connectionString: url, max: 2 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(url!);
    u.searchParams.set('options', `-c search_path=${schema}`);
    // One signing key for every instance, as a deployment shares it.
    const keyFile = join(dir, 'server-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    env = {
      DATABASE_URL: u.toString(),
      MAESTRO_SERVER_KEY_FILE: keyFile,
      MAESTRO_SERVER_DRAIN_DELAY_MS: '1000',
      MAESTRO_SERVER_SHUTDOWN_GRACE_MS: '15000',
    };
    // The migration race: three processes open the empty schema at the same moment.
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    servers = await Promise.all(ports.map((p, i) => startServer(join(dir, `s${i}`), p, env)));
    storage = await openPostgresStorage({ connectionString: u.toString() });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await storage?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three instances started at once on an empty schema: migrated once, all live and ready', async () => {
    const rows = (await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows.map((r: { version: number }) => r.version);
    expect(rows).toEqual(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
    for (const s of servers) {
      expect((await fetch(new URL('/livez', s.url))).status).toBe(200);
      const ready = await fetch(new URL('/readyz', s.url));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { draining: false, db: true, schema: true, listen: true } });
    }
  });

  it('a long poll on instance A is woken by an item stored through instance B, well within the wait', async () => {
    const [a, b] = servers as [ServerProc, ServerProc];
    const reviewer = await enroll(a.url, await token('reviewer'));
    const field = await enroll(b.url, await token('field'));
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      const first = (await (await signed(a.url, reviewer, 'GET', '/v1/sync/changes?since=0')).json()) as { until: number };
      const poll = signed(a.url, reviewer, 'GET', `/v1/sync/changes?since=${first.until}&wait=20`);
      await new Promise((r) => setTimeout(r, 300)); // the poll is waiting on A
      const item = makeItem({ keyScope: 'tenant' });
      const sent = Date.now();
      const stored = await batch(b.url, field, [item]);
      expect(stored.status).toBe(200);
      const page = (await (await poll).json()) as { items: { item?: { wire: { idempotencyKey: string } } }[] };
      latencies.push(Date.now() - sent);
      expect(page.items.map((i) => i.item?.wire.idempotencyKey)).toContain(item.idempotencyKey);
    }
    // Stored-through-B to answered-on-A, batch round trip included.
    process.stdout.write(`cross-instance wake (ms, batch round trip included): ${latencies.join(', ')}\n`);
    expect(Math.max(...latencies)).toBeLessThan(2000);
  }, 60_000);

  it('SIGTERM drains: readyz 503, the open long poll ends 200 with Retry-After, the in-flight batch completes, exit 0', async () => {
    const c = servers[2]!;
    const reviewer = await enroll(c.url, await token('reviewer'));
    const field = await enroll(c.url, await token('field'));
    const first = (await (await signed(c.url, reviewer, 'GET', '/v1/sync/changes?since=0')).json()) as { until: number };
    // Hold the tenant's feed lock: the batch below stalls just before its commit, in flight.
    const lock = await admin.connect();
    await lock.query('SELECT pg_advisory_lock($1, hashtext($2))', [FEED_LOCK_NS, 'acme']);
    let released = false;
    try {
      const poll = signed(c.url, reviewer, 'GET', `/v1/sync/changes?since=${first.until}&wait=20`);
      const item = makeItem({ keyScope: 'tenant' });
      const inFlight = batch(c.url, field, [item]);
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise<number | null>((resolve) => c.proc.once('exit', (code) => resolve(code)));
      const stopped = c.stop('SIGTERM');
      // Within the drain delay: not ready, still answering.
      let readyz = 0;
      for (let i = 0; i < 40 && readyz !== 503; i++) {
        readyz = (await fetch(new URL('/readyz', c.url))).status;
        if (readyz !== 503) await new Promise((r) => setTimeout(r, 20));
      }
      expect(readyz).toBe(503);
      const polled = await poll;
      expect(polled.status).toBe(200);
      expect(polled.headers.get('retry-after')).toBe('1');
      expect(((await polled.json()) as { items: unknown[] }).items).toEqual([]);
      // The batch is still waiting on the lock: the process must not have gone.
      await new Promise((r) => setTimeout(r, 300));
      expect(c.proc.exitCode).toBeNull();
      await lock.query('SELECT pg_advisory_unlock($1, hashtext($2))', [FEED_LOCK_NS, 'acme']);
      released = true;
      const done = await inFlight;
      expect(done.status).toBe(200);
      expect(((await done.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['accepted']);
      expect(await exited).toBe(0);
      await stopped;
    } finally {
      if (!released) await lock.query('SELECT pg_advisory_unlock_all()');
      lock.release();
    }
    const n = await admin.query(`SELECT COUNT(*)::int AS n FROM ${schema}.sync_items`);
    expect(n.rows[0].n).toBeGreaterThan(0);
  }, 60_000);
});
