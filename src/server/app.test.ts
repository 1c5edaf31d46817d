import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileSchema, describeErrors } from '../shared/validation';
import { createApp, type ServerDeps } from './app';
import { createJsonLogger } from './logger';
import { adminHealthResponseSchema, errorResponseSchema, healthResponseSchema } from '../shared/server-api';
import { healthReport } from './routes/health';
import { registryFromRows } from './contracts';
import { generateServerKey } from './crypto/server-key';
import { openSqliteStorage } from './storage/sqlite';
import type { ServerStorage } from './storage/types';

const serverKey = generateServerKey();

const T0 = Date.parse('2025-01-01T00:00:00Z');

let dir: string;
let storage: ServerStorage;
let lines: string[];
let nowMs: number;

function makeApp(overrides: Partial<ServerDeps> = {}) {
  return createApp(deps(overrides));
}

function expectMatches(schema: Record<string, unknown>, value: unknown): void {
  const validate = compileSchema(schema);
  const ok = validate(value);
  expect(ok, JSON.stringify(describeErrors(validate.errors))).toBe(true);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-srv-'));
  storage = openSqliteStorage(join(dir, 'server.db'));
  lines = [];
  nowMs = T0 + 42_500;
});

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function deps(overrides: Partial<ServerDeps> = {}): ServerDeps {
  return {
    storage,
    version: '9.8.7-test',
    clock: { now: () => new Date(nowMs) },
    logger: createJsonLogger('test', (line) => lines.push(line)),
    startedAt: T0,
    serverKey,
    contracts: registryFromRows([]),
    ...overrides,
  };
}

describe('GET /healthz (open) and the admin health report', () => {
  it('/healthz says alive, version, uptime and key id, and nothing about devices or storage', async () => {
    const res = await makeApp().request('/healthz');
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    expectMatches(healthResponseSchema, body);
    expect(body).toEqual({ status: 'ok', version: '9.8.7-test', uptimeSeconds: 42, serverKeyId: serverKey.keyId });
  });

  it('the admin report has the backend and queue figures', async () => {
    const { ok, body } = await healthReport(deps());
    expect(ok).toBe(true);
    expectMatches(adminHealthResponseSchema, body);
    expect(body).toMatchObject({
      status: 'ok',
      db: { status: 'ok', detail: 'ok', backend: 'sqlite' },
      sync: { itemsStored: 0, lastServerSeq: 0, devices: 0, flaggedDevices: 0, revokedDevices: 0 },
      serverKeyId: serverKey.keyId,
    });
    expect(body.db.sizeBytes).toBeGreaterThan(0);
  });

  it('reports 503 when the storage is unhealthy, still schema-valid, without its detail in the open answer', async () => {
    const broken: ServerStorage = {
      ...storage,
      health: () => Promise.resolve({ ok: false, detail: '*** in database main *** Page 3 is never used', sizeBytes: 4096 }),
    };
    const res = await makeApp({ storage: broken }).request('/healthz');
    expect(res.status).toBe(503);
    const body: unknown = await res.json();
    expectMatches(healthResponseSchema, body);
    expect(JSON.stringify(body)).not.toContain('Page 3');
    const full = await healthReport(deps({ storage: broken }));
    expectMatches(adminHealthResponseSchema, full.body);
    expect(full).toMatchObject({ ok: false, body: { status: 'error', db: { status: 'error' } } });
    expect(full.body).not.toHaveProperty('sync');
  });

  it('reports 503 (not 500) when the storage probe throws', async () => {
    const throwing: ServerStorage = {
      ...storage,
      health: () => Promise.reject(new Error('disk gone')),
    };
    const res = await makeApp({ storage: throwing }).request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error' });
    expect((await healthReport(deps({ storage: throwing }))).body).toMatchObject({ status: 'error', db: { status: 'error', detail: 'disk gone' } });
  });

  it('the admin report says 503 when the queue figures cannot be read; /healthz never reads them (no per-probe table counts)', async () => {
    let statsCalls = 0;
    const locked = { ...storage, stats: () => (statsCalls++, Promise.reject(new Error('locked'))) };
    const res = await makeApp({ storage: locked }).request('/healthz');
    expect(res.status).toBe(200);
    expect(statsCalls).toBe(0);
    const { body } = await healthReport(deps({ storage: locked }));
    expectMatches(adminHealthResponseSchema, body);
    expect(body).toMatchObject({ status: 'error', db: { status: 'error', detail: 'stats query failed' } });
  });

  it('never reports negative uptime when the clock goes backwards', async () => {
    nowMs = T0 - 10_000;
    const body = (await (await makeApp().request('/healthz')).json()) as { uptimeSeconds: number };
    expect(body.uptimeSeconds).toBe(0);
  });
});

describe('errors', () => {
  it('unknown route → 404 structured NOT_FOUND', async () => {
    const res = await makeApp().request('/nope');
    expect(res.status).toBe(404);
    const body: unknown = await res.json();
    expectMatches(errorResponseSchema, body);
    expect(body).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', details: { reason: 'route' } } });
  });

  it.each([
    ['with content-length', true],
    ['streamed (no content-length)', false],
  ])('2 MiB POST %s → 413 PAYLOAD_TOO_LARGE', async (_label, withLength) => {
    const size = 2 * 1024 * 1024;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (withLength) headers['content-length'] = String(size);
    const res = await makeApp().request('/anything', { method: 'POST', body: 'x'.repeat(size), headers });
    expect(res.status).toBe(413);
    const body: unknown = await res.json();
    expectMatches(errorResponseSchema, body);
    expect(body).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', details: { reason: 'body_size', maxBytes: expect.any(Number) as number } } });
  });

  it('honours a custom maxBodyBytes and lets smaller bodies through', async () => {
    const app = makeApp({ maxBodyBytes: 10 });
    expect((await app.request('/x', { method: 'POST', body: '12345678901' })).status).toBe(413);
    // Under the limit the request reaches routing (and 404s, as no POST route exists yet).
    expect((await app.request('/x', { method: 'POST', body: '123' })).status).toBe(404);
  });

  it('thrown errors → 500 INTERNAL without message or stack leakage', async () => {
    const app = makeApp();
    app.get('/boom', () => {
      throw new Error('secret detail /etc/passwd');
    });
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('at ');
  });
});

describe('access log', () => {
  it('writes one JSON line per request with metadata only, never bodies', async () => {
    const app = makeApp();
    await app.request('/healthz?token=sekrit');
    await app.request('/missing', { method: 'POST', body: JSON.stringify({ password: 'hunter2' }) });
    await app.request('/big', { method: 'POST', body: 'B'.repeat(2 * 1024 * 1024) });

    const all = lines.join('\n');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = records.filter((r) => r.msg === 'request');
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({ level: 'info', method: 'GET', route: '/healthz', status: 200 });
    expect(requests[0]).not.toHaveProperty('code');
    // The route pattern, never the raw path (an unknown path is 'unmatched').
    expect(requests[1]).toMatchObject({ level: 'warn', method: 'POST', route: 'unmatched', status: 404, code: 'NOT_FOUND' });
    expect(all).not.toContain('/missing');
    expect(requests[2]).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    for (const r of requests) expect(typeof r.ms).toBe('number');

    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('sekrit');
    expect(all).not.toContain('BBBB');
  });
});
