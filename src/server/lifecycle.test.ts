// The probes and the drain, in process (the real SIGTERM path is test/integration/instances.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { Lifecycle } from './lifecycle';
import { createJsonLogger } from './logger';
import { registryFromRows } from './contracts';
import { generateServerKey } from './crypto/server-key';
import { makeItem, signedHeaders } from './testing/device-client';
import { createHarness, type Harness } from './testing/harness';
import { sqliteBackend, type TestDb } from './testing/backends';
import type { ServerStorage } from './storage/types';

const serverKey = generateServerKey();

function appWith(storage: ServerStorage, lifecycle: Lifecycle) {
  return createApp({
    storage,
    version: '1.2.3-test',
    clock: { now: () => new Date() },
    logger: createJsonLogger('test', () => {}),
    startedAt: Date.now(),
    serverKey,
    contracts: registryFromRows([]),
    lifecycle,
  });
}

describe('probes and the drain', () => {
  let db: TestDb;
  beforeEach(async () => {
    db = await sqliteBackend.open();
  });
  afterEach(async () => {
    await db.dispose();
  });

  it('/livez answers without touching the storage; /readyz checks the database and schema, and says 503 once draining', async () => {
    const lifecycle = new Lifecycle();
    const app = appWith(db.storage, lifecycle);
    const dead = { ...db.storage, readiness: () => Promise.reject(new Error('gone')), health: () => Promise.reject(new Error('gone')) };
    expect(await (await appWith(dead, new Lifecycle()).request('/livez')).json()).toEqual({ status: 'ok' });
    const notReady = await appWith(dead, new Lifecycle()).request('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not_ready', checks: { draining: false, db: false, schema: false } });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { draining: false, db: true, schema: true } });
    lifecycle.beginDrain();
    const draining = await app.request('/readyz');
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'draining', checks: { draining: true, db: true } });
    // Still serving while the balancer takes the instance out.
    expect((await app.request('/nothing-here')).status).toBe(404);
  });

  it('/healthz reuses its storage check for a few seconds (the SQLite integrity check is O(database))', async () => {
    let checks = 0;
    const counted = { ...db.storage, health: () => (checks++, db.storage.health()) };
    const app = appWith(counted, new Lifecycle());
    for (let i = 0; i < 5; i++) expect((await app.request('/healthz')).status).toBe(200);
    expect(checks).toBe(1);
  });

  it('once stopping: new requests get 503 UNAVAILABLE with Retry-After and Connection: close; probes still answer; idle() waits for what is in flight', async () => {
    const lifecycle = new Lifecycle();
    const app = appWith(db.storage, lifecycle);
    lifecycle.beginDrain();
    lifecycle.stop();
    const refused = await app.request('/v1/sync/batch', { method: 'POST', body: '{}' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('connection')).toBe('close');
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', details: { reason: 'draining' } } });
    expect((await app.request('/livez')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(503);
    expect(await lifecycle.idle(10)).toBe(true);
  });
});

describe('the drain with a real device', () => {
  let db: TestDb;
  let h: Harness;
  beforeEach(async () => {
    db = await sqliteBackend.open();
    h = await createHarness(db);
  });
  afterEach(async () => {
    await h.serverKey.close();
    await db.dispose();
  });

  it('an open long poll ends at once with a normal 200 page and Retry-After when the server stops; a batch in flight is counted until done', async () => {
    const lifecycle = new Lifecycle();
    const reviewer = await h.enroll({ role: 'reviewer' });
    const field = await h.enroll();
    // The harness's app without a lifecycle; this one shares its storage and clock.
    const app = createApp({
      storage: db.storage,
      version: '1',
      clock: { now: h.now },
      logger: createJsonLogger('test', () => {}),
      startedAt: 0,
      serverKey: h.serverKey,
      contracts: h.contracts,
      lifecycle,
    });
    const get = (path: string) => app.request(path, { headers: signedHeaders(reviewer, 'GET', path, '', h.now()) });
    const first = (await (await get('/v1/sync/changes?since=0')).json()) as { until: number };
    const t0 = Date.now();
    const poll = get(`/v1/sync/changes?since=${first.until}&wait=20`);
    await new Promise((r) => setTimeout(r, 100));
    expect(lifecycle.inFlight).toBe(1);
    const body = JSON.stringify({ device: field.id, appVersion: '1.0.0', items: [makeItem()] });
    const batch = app.request('/v1/sync/batch', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signedHeaders(field, 'POST', '/v1/sync/batch', body, h.now()) },
    });
    lifecycle.beginDrain();
    lifecycle.stop();
    const idle = lifecycle.idle(5000);
    const res = await poll;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(res.status).toBe(200);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ items: [], until: first.until });
    expect((await batch).status).toBe(200);
    expect(await idle).toBe(true);
    expect(lifecycle.inFlight).toBe(0);
  });
});
