import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { certifier } from '../certificates';
import { registryFromRows } from '../contracts';
import { generateServerKey } from '../crypto/server-key';
import { createEnrollmentToken } from '../enrollment-tokens';
import { createJsonLogger } from '../logger';
import { openSqliteStorage } from '../storage/sqlite';
import type { ServerStorage } from '../storage/types';
import { newDeviceKeys, signedHeaders, type DeviceKeys } from '../testing/device-client';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const serverKey = generateServerKey();

let dir: string;
let bundlesDir: string;
let storage: ServerStorage;
let app: ReturnType<typeof createApp>;
let device: DeviceKeys & { id: string };

const now = (): Date => new Date(T0);

function write(rel: string, body: string | Buffer): void {
  const p = join(bundlesDir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, body);
}

function targetsJson(version: unknown): string {
  return JSON.stringify({ signed: { _type: 'targets', custom: { bundle: { name: 'x', version } } }, signatures: [] });
}

// Signed over the path as the server sees it: WHATWG URL parsing has already resolved dot segments.
function get(path: string, dev: { id: string; privateKey: DeviceKeys['privateKey'] } = device): Promise<Response> {
  const u = new URL(path, 'http://localhost');
  return Promise.resolve(app.request(path, { headers: signedHeaders(dev, 'GET', u.pathname + u.search, '', now()) }));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-bundles-srv-'));
  bundlesDir = join(dir, 'bundles');
  mkdirSync(bundlesDir);
  storage = openSqliteStorage(join(dir, 'server.db'));
  app = createApp({
    storage,
    version: '0.0.0-test',
    clock: { now },
    logger: createJsonLogger('test', () => {}),
    startedAt: T0,
    serverKey,
    contracts: registryFromRows([]),
    rateLimit: { perSecond: 1000, burst: 1000 },
    bundlesDir,
  });
  const { token } = await createEnrollmentToken(storage, now(), { tenant: 'acme', user: 'ana', role: 'field' }, 'test');
  const keys = newDeviceKeys();
  const res = await app.request('/v1/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, publicKey: keys.publicKey, deviceName: 'laptop', appVersion: '1.0.0' }),
  });
  expect(res.status).toBe(200);
  device = { ...keys, id: ((await res.json()) as { deviceId: string }).deviceId };

  write('maestro.policy/metadata/targets.json', targetsJson('1.2.3'));
  write('maestro.policy/metadata/timestamp.json', '{"t":1}');
  write('maestro.policy/targets/policy/main.yaml', 'rules: []\n');
  write('app-update/metadata/targets.json', '{not json');
  write('app-update/targets/latest.yml', 'version: 2.0.0\n');
  write('model.tiny-text/metadata/targets.json', targetsJson(7));
  mkdirSync(join(bundlesDir, 'empty-bundle'));
  mkdirSync(join(bundlesDir, 'Bad_Name'));
  write('stray-file', 'x');
});

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

async function expectNotFound(res: Response): Promise<void> {
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
}

describe('GET /v1/bundles', () => {
  it('lists bundle directories with their advisory version (null when unreadable)', async () => {
    const res = await get('/v1/bundles');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      bundles: [
        { name: 'app-update', version: null },
        { name: 'empty-bundle', version: null },
        { name: 'maestro.policy', version: '1.2.3' },
        { name: 'model.tiny-text', version: null },
      ],
    });
  });

  it('is empty when the directory does not exist or none is configured', async () => {
    rmSync(bundlesDir, { recursive: true });
    expect(await (await get('/v1/bundles')).json()).toEqual({ bundles: [] });
  });

  it('needs a signed request from an enrolled, non-revoked device', async () => {
    const unsigned = await app.request('/v1/bundles');
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', details: { reason: 'missing_signature' } } });
    const stranger = await get('/v1/bundles/maestro.policy/metadata/targets.json', { id: 'dev_nobody', privateKey: newDeviceKeys().privateKey });
    expect(await stranger.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', details: { reason: 'unknown_device' } } });
    const unsignedFile = await app.request('/v1/bundles/maestro.policy/targets/policy/main.yaml');
    expect(unsignedFile.status).toBe(401);

    expect((await get('/v1/bundles/maestro.policy/metadata/timestamp.json')).status).toBe(200);
    await storage.revokeDevice(
      device.id,
      null,
      { ts: now().toISOString(), actor: 'test', action: 'device.revoked', subject: device.id, payload: {} },
      { certify: certifier(serverKey), reason: null },
    );
    const revoked = await get('/v1/bundles/maestro.policy/metadata/timestamp.json');
    expect(await revoked.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', details: { reason: 'revoked_device' } } });
  });
});

describe('GET /v1/bundles/:name/metadata/:file and /targets/*', () => {
  it('streams metadata and targets with Content-Length', async () => {
    const m = await get('/v1/bundles/maestro.policy/metadata/timestamp.json');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-length')).toBe('7');
    expect(m.headers.get('content-type')).toBe('application/json');
    expect(await m.text()).toBe('{"t":1}');
    const t = await get('/v1/bundles/maestro.policy/targets/policy/main.yaml');
    expect(t.status).toBe(200);
    expect(t.headers.get('content-length')).toBe('10');
    expect(t.headers.get('content-type')).toBe('application/octet-stream');
    expect(await t.text()).toBe('rules: []\n');
  });

  it('answers HEAD with the length and no body', async () => {
    const path = '/v1/bundles/maestro.policy/targets/policy/main.yaml';
    const res = await app.request(path, { method: 'HEAD', headers: signedHeaders(device, 'HEAD', path, '', now()) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('10');
    expect(await res.text()).toBe('');
  });

  it('serves empty files and percent-encoded names', async () => {
    write('maestro.policy/targets/a b/empty.txt', '');
    const res = await get('/v1/bundles/maestro.policy/targets/a%20b/empty.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
  });

  it('serves large files whole', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    write('maestro.policy/targets/big.bin', big);
    const res = await get('/v1/bundles/maestro.policy/targets/big.bin');
    expect(res.headers.get('content-length')).toBe(String(big.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
  });

  it.each([
    '/v1/bundles/maestro.policy/metadata/missing.json',
    '/v1/bundles/maestro.policy/targets/missing',
    '/v1/bundles/Bad_Name/metadata/targets.json',
    '/v1/bundles/nope/metadata/targets.json',
    '/v1/bundles/maestro.policy/targets/policy',
    '/v1/bundles/maestro.policy/targets/policy/',
    '/v1/bundles/maestro.policy/targets/policy//main.yaml',
    '/v1/bundles/maestro.policy/targets/..%2fmetadata%2ftargets.json',
    '/v1/bundles/maestro.policy/targets/.%2e%2fmetadata/targets.json',
    '/v1/bundles/maestro.policy/targets/policy%2fmain.yaml',
    '/v1/bundles/maestro.policy/targets/policy%5cmain.yaml',
    '/v1/bundles/maestro.policy/targets/%2fetc%2fpasswd',
    '/v1/bundles/maestro.policy/metadata/..%2ftargets%2fpolicy%2fmain.yaml',
    '/v1/bundles/maestro.policy/targets/%00',
    '/v1/bundles/maestro.policy/targets/%E0%A4%A',
    '/v1/bundles/%2e%2e/stray-file',
    '/v1/bundles/maestro.policy/other/timestamp.json',
  ])('404 for %s', async (path) => {
    await expectNotFound(await get(path));
  });

  it('refuses symbolic links: as the file, as a directory on the way, and as the bundle', async () => {
    write('outside/secret.txt', 'secret');
    symlinkSync(join(bundlesDir, 'outside/secret.txt'), join(bundlesDir, 'maestro.policy/targets/link.txt'));
    symlinkSync(join(bundlesDir, 'outside'), join(bundlesDir, 'maestro.policy/targets/dirlink'));
    symlinkSync(join(bundlesDir, 'maestro.policy'), join(bundlesDir, 'alias'));
    symlinkSync(join(bundlesDir, 'maestro.policy/metadata/timestamp.json'), join(bundlesDir, 'maestro.policy/metadata/t2.json'));
    expect((await get('/v1/bundles/outside/targets/secret.txt')).status).toBe(404);
    await expectNotFound(await get('/v1/bundles/maestro.policy/targets/link.txt'));
    await expectNotFound(await get('/v1/bundles/maestro.policy/targets/dirlink/secret.txt'));
    await expectNotFound(await get('/v1/bundles/alias/metadata/timestamp.json'));
    await expectNotFound(await get('/v1/bundles/maestro.policy/metadata/t2.json'));
    const list = (await (await get('/v1/bundles')).json()) as { bundles: { name: string }[] };
    expect(list.bundles.map((b) => b.name)).not.toContain('alias');
  });

  it('refuses special files', async () => {
    symlinkSync('/dev/null', join(bundlesDir, 'maestro.policy/targets/null'));
    await expectNotFound(await get('/v1/bundles/maestro.policy/targets/null'));
    execFileSync('mkfifo', [join(bundlesDir, 'maestro.policy/targets/fifo')]);
    await expectNotFound(await get('/v1/bundles/maestro.policy/targets/fifo'));
    mkdirSync(join(bundlesDir, 'maestro.policy/metadata/dir.json'));
    await expectNotFound(await get('/v1/bundles/maestro.policy/metadata/dir.json'));
  });

  it('serves nothing without a bundles directory', async () => {
    const bare = createApp({
      storage,
      version: '0.0.0-test',
      clock: { now },
      logger: createJsonLogger('test', () => {}),
      startedAt: T0,
      serverKey,
      contracts: registryFromRows([]),
    });
    const path = '/v1/bundles/maestro.policy/metadata/timestamp.json';
    const res = await bare.request(path, { headers: signedHeaders(device, 'GET', path, '', now()) });
    await expectNotFound(res);
    const lpath = '/v1/bundles';
    expect(await (await bare.request(lpath, { headers: signedHeaders(device, 'GET', lpath, '', now()) })).json()).toEqual({ bundles: [] });
  });
});
