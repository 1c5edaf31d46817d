import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { startWebHost, BindRefusedError, MAX_BODY_BYTES, type WebHost } from './server';
import { isLoopbackAddress } from './security';
import { makeServices, tempDir, dbFingerprint } from '../../platform/test-utils';
import type { Services } from '../services';
import { createUnlockGate } from '../unlock-gate';

let host: WebHost | undefined;
let services: Services | undefined;
afterEach(async () => {
  await host?.close();
  services?.close();
  host = undefined;
});

async function boot() {
  const dataDir = tempDir();
  const rendererDir = join(dataDir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Maestro</title>');
  services = makeServices({ dataDir, bare: true });
  host = await startWebHost({ services, rendererDir });
  return { dataDir, host };
}

function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const api = (h: WebHost, channel: string, body: unknown, token = h.token) =>
  fetch(`${h.url}api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

describe('web host', () => {
  it('serves the API with the token and prints a loopback URL', async () => {
    const { host: h } = await boot();
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(h.launchUrl).toContain(`#token=${h.token}`);
    const r = await api(h, 'profile.setup', { name: 'Ada', tenant: 'acme' });
    expect(r.status).toBe(200);
    const note = await api(h, 'audit.append', { note: 'hello' });
    expect(await note.json()).toMatchObject({ ok: true, data: { entry: { seq: 2, action: 'note.added' } } });
  });

  it('serves the renderer with the strict CSP', async () => {
    const { host: h } = await boot();
    const r = await fetch(h.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).not.toContain('unsafe');
    // Location for the page itself only; camera, microphone and the rest for nobody.
    expect(r.headers.get('permissions-policy')).toContain('geolocation=(self)');
    expect(r.headers.get('permissions-policy')).toContain('camera=()');
    const traversal = await raw(h.port, { method: 'GET', path: '/../../etc/passwd', headers: { host: `127.0.0.1:${h.port}` } });
    expect(traversal.body).not.toContain('root:');
  });

  it('bad requests get documented errors and leave every row of the database unchanged', async () => {
    const { host: h, dataDir } = await boot();
    await api(h, 'profile.setup', { name: 'Ada', tenant: 'acme' });
    await api(h, 'audit.append', { note: 'baseline' });
    const before = dbFingerprint(dataDir);
    const hostHeader = { host: `127.0.0.1:${h.port}` };
    const auth = { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', ...hostHeader };
    const cases: [string, Promise<{ status: number; body: string }>, number, string][] = [
      [
        'no token',
        raw(h.port, { path: '/api/audit.append', headers: { 'content-type': 'application/json', ...hostHeader }, body: '{"note":"x"}' }),
        401,
        'UNAUTHORIZED',
      ],
      [
        'wrong token',
        raw(h.port, { path: '/api/audit.append', headers: { ...auth, authorization: 'Bearer nope' }, body: '{"note":"x"}' }),
        401,
        'UNAUTHORIZED',
      ],
      ['malformed JSON', raw(h.port, { path: '/api/audit.append', headers: auth, body: '{"note":' }), 400, 'VALIDATION_ERROR'],
      ['wrong types', raw(h.port, { path: '/api/audit.append', headers: auth, body: '{"note":42}' }), 400, 'VALIDATION_ERROR'],
      [
        'oversized body',
        raw(h.port, { path: '/api/audit.append', headers: auth, body: JSON.stringify({ note: 'x'.repeat(MAX_BODY_BYTES + 10) }) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['unknown channel', raw(h.port, { path: '/api/audit.truncate', headers: auth, body: '{}' }), 404, 'NOT_FOUND'],
      [
        'foreign Host header',
        raw(h.port, { path: '/api/audit.append', headers: { ...auth, host: 'evil.example:80' }, body: '{"note":"x"}' }),
        403,
        'FORBIDDEN',
      ],
      [
        'not JSON content type',
        raw(h.port, { path: '/api/audit.append', headers: { ...auth, 'content-type': 'text/plain' }, body: '{"note":"x"}' }),
        400,
        'VALIDATION_ERROR',
      ],
    ];
    for (const [name, p, status, code] of cases) {
      const r = await p;
      expect({ name, status: r.status }).toEqual({ name, status });
      const body = JSON.parse(r.body) as { ok: boolean; error: { code: string; message: string } };
      expect({ name, code: body.error.code }).toEqual({ name, code });
      expect(body.ok).toBe(false);
      expect(r.body).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    }
    expect(dbFingerprint(dataDir)).toBe(before);
  });

  it('refuses a non-loopback bind unless allowed explicitly', async () => {
    services = makeServices({ bare: true });
    await expect(startWebHost({ services, rendererDir: tempDir(), host: '0.0.0.0' })).rejects.toBeInstanceOf(BindRefusedError);
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('localhost')).toBe(true);
    expect(isLoopbackAddress('192.168.1.10')).toBe(false);
    expect(isLoopbackAddress('0.0.0.0')).toBe(false);
  });

  it('streams push events to an authorised client', async () => {
    const { host: h } = await boot();
    await api(h, 'profile.setup', { name: 'Ada', tenant: 'acme' });
    const ctrl = new AbortController();
    const res = await fetch(`${h.url}api/events`, { headers: { authorization: `Bearer ${h.token}` }, signal: ctrl.signal });
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    await api(h, 'audit.append', { note: 'evented' });
    let text = '';
    while (!text.includes('audit.appended')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: audit\.appended\ndata: \{"seq":2,/);
    ctrl.abort();
    const denied = await fetch(`${h.url}api/events`);
    expect(denied.status).toBe(401);
  });

  it('starts locked: every channel answers LOCKED (423), the renderer is served, and open() serves the app', async () => {
    const dataDir = tempDir();
    const rendererDir = join(dataDir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Maestro</title>');
    const gate = createUnlockGate();
    void gate.ask(1, 'existing');
    host = await startWebHost({ locked: gate, rendererDir });
    const locked = await api(host, 'profile.get', {});
    expect(locked.status).toBe(423);
    expect(await locked.json()).toMatchObject({ ok: false, error: { code: 'LOCKED', details: { vault: 'existing' } } });
    expect((await fetch(host.url)).status).toBe(200);
    expect((await api(host, 'profile.get', {}, 'wrong-token')).status).toBe(401);
    services = makeServices({ dataDir, bare: true });
    host.open(services);
    const open = await api(host, 'profile.get', {});
    expect(open.status).toBe(200);
    expect(await (await api(host, 'system.unlock', { passphrase: 'whatever' })).json()).toEqual({ ok: true, data: { unlocked: true } });
  });
});
