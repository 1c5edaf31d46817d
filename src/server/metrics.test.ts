// GET /metrics after a scripted run: every counter equals what the script itself did (enrollments,
// batches with duplicates and refused items, a long poll), on SQLite and on PostgreSQL; and who may
// scrape (bearer token, else loopback only).
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it, type TestContext } from 'vitest';
import { TEAM_CONTRACTS } from '../shared/team/protocol';
import type { SyncBatchResponse } from '../shared/sync/protocol';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { registryFromRows } from './contracts';
import { generateServerKey } from './crypto/server-key';
import { createJsonLogger } from './logger';
import { openSqliteStorage } from './storage/sqlite';
import { postgresBackend, sqliteBackend, type TestBackend } from './testing/backends';
import { makeItem } from './testing/device-client';
import { createHarness, type Device, type Harness } from './testing/harness';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const TOKEN = 'metrics-test-token-0123456789';

/** Prometheus text format → `name{labels}` → value (labels in the order the registry writes them). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(h: Harness): Promise<Map<string, number>> {
  const res = await h.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

const get = (m: Map<string, number>, key: string): number => {
  const v = m.get(key);
  if (v === undefined) throw new Error(`no series ${key} in:\n${[...m.keys()].join('\n')}`);
  return v;
};

async function okBatch(res: Response): Promise<SyncBatchResponse> {
  expect(res.status).toBe(200);
  return (await res.json()) as SyncBatchResponse;
}

const card = () => makeItem({ kind: 'card', contract: TEAM_CONTRACTS.card, keyScope: 'tenant' });

/** The script: its own counts of what it did, to compare with the scrape. */
interface Counts {
  enrolled: number;
  batches: number;
  itemsSent: number;
  accepted: number;
  duplicate: number;
  rejected: number;
}

async function sendBatches(h: Harness, devices: Device[], c: Counts): Promise<void> {
  const firstOf = new Map<string, ReturnType<typeof makeItem>>();
  for (let round = 0; round < 3; round++) {
    for (const [i, dev] of devices.entries()) {
      const fresh = Array.from({ length: 2 + i + round }, () => makeItem());
      // From round 1 on, the device resends its first item ever (a duplicate), and an approval it
      // has no role for (refused: rejected, nothing stored).
      const extra =
        round === 0
          ? []
          : [firstOf.get(dev.id)!, makeItem({ kind: 'approval', contract: TEAM_CONTRACTS.approval, keyScope: 'tenant', subject: 'c1', to: dev.id })];
      if (!firstOf.has(dev.id)) firstOf.set(dev.id, fresh[0]!);
      const items = [...fresh, ...extra];
      const state = { pendingCount: 10 * (i + 1) + round, deadLetterCount: 0, contractVersions: {} };
      const body = await okBatch(await h.batch(dev, items, { deviceState: state }));
      for (const r of body.results) c[r.status]++;
      c.batches++;
      c.itemsSent += items.length;
    }
  }
}

function defineMetricsRun(backend: TestBackend): void {
  it(`${backend.label}: counters after a scripted run equal the script's own counts`, async (ctx: TestContext) => {
    const reason = backend.skipReason();
    if (reason) {
      ctx.task.meta.skipReason = reason;
      return ctx.skip(reason);
    }
    const db = await backend.open();
    const h = await createHarness(db, { metricsToken: TOKEN });
    try {
      const c: Counts = { enrolled: 0, batches: 0, itemsSent: 0, accepted: 0, duplicate: 0, rejected: 0 };
      const reviewer = await h.enroll({ role: 'reviewer' });
      const field = [await h.enroll(), await h.enroll(), await h.enroll({ tenant: 'globex' })];
      c.enrolled = 4;
      await sendBatches(h, field, c);
      expect(c.duplicate).toBeGreaterThan(0);
      expect(c.rejected).toBeGreaterThan(0);

      // A batch that fails authentication: counted under its route pattern with status 401.
      const bad = await h.app.request('/v1/sync/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(bad.status).toBe(401);

      // A long poll: open while it waits, woken by a shared card, closed once answered.
      const until = ((await (await h.signed(reviewer, 'GET', '/v1/sync/changes?since=0&limit=1000')).json()) as { until: number }).until;
      const waiting = h.signed(reviewer, 'GET', `/v1/sync/changes?since=${until}&wait=20`);
      await expect.poll(async () => get(await scrape(h), 'maestro_longpolls_open'), { timeout: 5000 }).toBe(1);
      const shared = card();
      const cardReply = await okBatch(await h.batch(field[0]!, [shared]));
      expect(cardReply.results[0]!.status).toBe('accepted');
      c.accepted++;
      c.batches++;
      c.itemsSent++;
      const page = (await (await waiting).json()) as { items: { item?: { wire: { idempotencyKey: string } } }[] };
      expect(page.items.map((x) => x.item?.wire.idempotencyKey)).toEqual([shared.idempotencyKey]);

      const m = await scrape(h);
      expect(get(m, 'maestro_longpolls_open')).toBe(0);
      expect(get(m, 'maestro_pull_wake_latency_seconds_count')).toBe(1);
      expect(get(m, 'maestro_http_requests_total{route="/v1/enroll",method="POST",status="200"}')).toBe(c.enrolled);
      expect(get(m, 'maestro_http_requests_total{route="/v1/sync/batch",method="POST",status="200"}')).toBe(c.batches);
      expect(get(m, 'maestro_http_requests_total{route="/v1/sync/batch",method="POST",status="401"}')).toBe(1);
      expect(get(m, 'maestro_http_requests_total{route="/v1/sync/changes",method="GET",status="200"}')).toBe(2);
      expect(get(m, 'maestro_http_request_duration_seconds_count{route="/v1/sync/batch",method="POST"}')).toBe(c.batches + 1);
      // The scrapes before this one (this one is counted once it is answered).
      expect(get(m, 'maestro_http_requests_total{route="/metrics",method="GET",status="200"}')).toBeGreaterThanOrEqual(1);
      expect(get(m, 'maestro_sync_batch_items_count')).toBe(c.batches);
      expect(get(m, 'maestro_sync_batch_items_sum')).toBe(c.itemsSent);
      expect(get(m, 'maestro_sync_items_stored_total{status="accepted"}')).toBe(c.accepted);
      expect(get(m, 'maestro_sync_items_stored_total{status="duplicate"}')).toBe(c.duplicate);
      expect(get(m, 'maestro_sync_items_stored_total{status="rejected"}')).toBe(c.rejected);
      expect(get(m, 'maestro_receipts_signed_total')).toBe(c.accepted);
      expect(c.accepted).toBe(await h.count('sync_items'));
      // Pending counts last reported (round 2): acme 12 + 22, globex 32; the reviewer reported none.
      expect(get(m, 'maestro_tenant_queue_depth{tenant="acme"}')).toBe(12 + 22);
      expect(get(m, 'maestro_tenant_queue_depth{tenant="globex"}')).toBe(32);
      if (db.storage.backend === 'postgres') {
        expect(get(m, 'maestro_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
        expect(m.has('maestro_db_pool_connections{state="waiting"}')).toBe(true);
      } else {
        expect([...m.keys()].some((k) => k.startsWith('maestro_db_pool_connections'))).toBe(false);
      }
    } finally {
      await h.serverKey.close();
      await db.dispose();
    }
  }, 30_000);
}

describe('GET /metrics counts what happened', () => {
  defineMetricsRun(sqliteBackend);
  defineMetricsRun(postgresBackend());
});

describe('who may scrape /metrics', () => {
  const withApp = async (metricsToken: string | undefined, fn: (app: ReturnType<typeof createApp>) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), 'maestro-metrics-'));
    const storage = openSqliteStorage(join(dir, 'server.db'));
    const serverKey = generateServerKey();
    const app = createApp({
      storage,
      version: '0.0.0-test',
      clock: { now: () => new Date() },
      logger: createJsonLogger('test', () => {}),
      startedAt: Date.now(),
      serverKey,
      contracts: registryFromRows([]),
      ...(metricsToken ? { metricsToken } : {}),
    });
    try {
      await fn(app);
    } finally {
      await storage.close();
      await serverKey.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('MAESTRO_SERVER_METRICS_TOKEN: 16 to 512 visible ASCII characters, or unset', () => {
    expect(loadConfig({ MAESTRO_SERVER_METRICS_TOKEN: TOKEN }, '/srv').metricsToken).toBe(TOKEN);
    expect(loadConfig({ MAESTRO_SERVER_METRICS_TOKEN: '  ' }, '/srv')).not.toHaveProperty('metricsToken');
    for (const bad of ['short', 'with a space inside it', 'x'.repeat(513)]) {
      expect(() => loadConfig({ MAESTRO_SERVER_METRICS_TOKEN: bad }, '/srv')).toThrow(ConfigError);
    }
  });

  it('with a token: only its bearer, from anywhere', async () => {
    await withApp(TOKEN, async (app) => {
      const codeOf = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code });
      expect(await codeOf(await app.request('/metrics'))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
      expect(await codeOf(await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } }))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
      expect(await codeOf(await app.request('/metrics', { headers: { authorization: TOKEN } }))).toEqual({ status: 401, code: 'UNAUTHORIZED' });
      const ok = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE maestro_http_requests_total counter');
    });
  });

  it('without a token: a loopback peer that no proxy forwarded, nothing else', async () => {
    await withApp(undefined, async (app) => {
      // No socket at all (no peer address): refused.
      expect((await app.request('/metrics')).status).toBe(403);
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const direct = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(direct.status).toBe(200);
        expect(await direct.text()).toContain('maestro_longpolls_open 0');
        const proxied = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
        expect(proxied.status).toBe(403);
        expect(((await proxied.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('metrics_loopback');
        expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { forwarded: 'for=127.0.0.1' } })).status).toBe(403);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
