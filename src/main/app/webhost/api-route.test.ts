// The web host's API fast path (api-route.ts) must answer exactly as the Hono route it stands in
// front of: same status, body and headers for good calls and for every refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { createWebHostApp, MAX_BODY_BYTES, startWebHost, type WebHost } from './server';
import { tokenChecker } from './security';
import { createDispatcher } from '../dispatch';
import { makeServices, tempDir } from '../../platform/test-utils';
import type { Services } from '../services';

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

function call(port: number, o: { method?: string; path: string; headers: Record<string, string>; body?: string | Buffer; agent?: Agent }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: o.method ?? 'POST', path: o.path, headers: o.headers, agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const { date: _date, ...headers } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

let services: Services;
let fast: WebHost;
let slow: Server;
let slowPort = 0;
const TOKEN = 'test-token-0123456789';

beforeAll(async () => {
  const dataDir = tempDir();
  const rendererDir = join(dataDir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  services = makeServices({ dataDir, bare: true });
  services.profile.setup({ name: 'Ada', tenant: 'acme' });
  services.audit.append({ actor: 'user:x', action: 'note.added', payload: { note: 'héllo 😀' } });
  fast = await startWebHost({ services, rendererDir, token: TOKEN });
  // The Hono app alone (the route as it answered before the fast path), on its own port.
  const allowed = new Set<string>();
  const dispatch = createDispatcher(services);
  const app = createWebHostApp({ dispatch, services: () => services, token: TOKEN, rendererDir, allowedHosts: () => allowed });
  slow = createServer(getRequestListener(app.fetch));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  slowPort = (slow.address() as AddressInfo).port;
  allowed.add(`127.0.0.1:${slowPort}`);
});

afterAll(async () => {
  await fast.close();
  slow.closeAllConnections();
  await new Promise((r) => slow.close(r));
  services.close();
});

const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
// Read-only calls and refusals (nothing changes state, so both servers see the same data). A body
// streamed past the limit is left to server.test.ts: the client is cut off mid-upload, on either server.
const CASES: [string, { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }][] = [
  ['a page of the audit log', { path: '/api/audit.list', headers: json, body: '{"limit":5}' }],
  ['a query string', { path: '/api/audit.list?x=1', headers: json, body: '{"limit":1}' }],
  ['a byte order mark', { path: '/api/audit.list', headers: json, body: '\ufeff{"limit":1}' }],
  ['no body', { path: '/api/profile.get', headers: json }],
  ['a charset', { path: '/api/profile.get', headers: { ...json, 'content-type': 'application/json; charset=utf-8' }, body: '{}' }],
  ['no token', { path: '/api/profile.get', headers: { 'content-type': 'application/json' }, body: '{}' }],
  ['a wrong token', { path: '/api/profile.get', headers: { ...json, authorization: 'Bearer nope' }, body: '{}' }],
  ['a wrong scheme', { path: '/api/profile.get', headers: { ...json, authorization: `bearer ${TOKEN}` }, body: '{}' }],
  ['malformed JSON', { path: '/api/audit.append', headers: json, body: '{"note":' }],
  ['wrong types', { path: '/api/audit.append', headers: json, body: '{"note":42}' }],
  ['null', { path: '/api/audit.append', headers: json, body: 'null' }],
  ['a lone surrogate', { path: '/api/audit.append', headers: json, body: '{"note":"\\ud800"}' }],
  ['an unknown channel', { path: '/api/audit.truncate', headers: json, body: '{}' }],
  ['__proto__', { path: '/api/__proto__', headers: json, body: '{}' }],
  ['a %-encoded name', { path: '/api/audit%2Elist', headers: json, body: '{}' }],
  ['a trailing slash', { path: '/api/audit.list/', headers: json, body: '{}' }],
  ['a nested path', { path: '/api/audit/list', headers: json, body: '{}' }],
  ['POST /api/events', { path: '/api/events', headers: json, body: '{}' }],
  ['GET of a channel', { method: 'GET', path: '/api/audit.list', headers: json }],
  ['a foreign Host', { path: '/api/profile.get', headers: { ...json, host: 'evil.example:80' }, body: '{}' }],
  ['text/plain', { path: '/api/audit.append', headers: { ...json, 'content-type': 'text/plain' }, body: '{"note":"x"}' }],
  ['no content type', { path: '/api/audit.append', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"note":"x"}' }],
  ['a declared length over the limit', { path: '/api/audit.append', headers: { ...json, 'content-length': String(MAX_BODY_BYTES + 1) }, body: '' }],
  ['bytes that are not UTF-8', { path: '/api/audit.append', headers: json, body: Buffer.from([0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0xff, 0x7d]) }],
];

describe('web host API fast path', () => {
  it.each(CASES)('answers as the Hono route: %s', async (_name, c) => {
    const host = (port: number) => ({ host: `127.0.0.1:${port}`, ...c.headers });
    const declared = c.headers?.['content-length'] !== undefined;
    // A declared length with no body: the client is cut off after the answer; only the answer counts.
    const send = (port: number) => call(port, { ...c, headers: host(port), body: declared ? undefined : c.body }).catch(() => null);
    const want = await send(slowPort);
    const got = await send(fast.port);
    expect(want).not.toBeNull();
    const norm = (a: Answer | null, port: number) =>
      a && { ...a, headers: Object.fromEntries(Object.entries(a.headers).sort()), body: a.body.replaceAll(String(port), 'PORT') };
    expect(norm(got, fast.port)).toEqual(norm(want, slowPort));
  });

  it('serves many calls on one keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 20; i++) {
      const r = await call(fast.port, { path: '/api/audit.list', headers: { ...json, host: `127.0.0.1:${fast.port}` }, body: '{"limit":1}', agent });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ ok: true, data: { total: 2 } });
    }
    agent.destroy();
  });

  it('checks the token in constant time against bytes encoded once', () => {
    const ok = tokenChecker(TOKEN);
    expect(ok(TOKEN)).toBe(true);
    expect(ok(TOKEN.slice(0, -1))).toBe(false);
    expect(ok(`${TOKEN}x`)).toBe(false);
    expect(ok(TOKEN.replace('t', 'T'))).toBe(false);
    expect(ok('')).toBe(false);
  });
});
