import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app';
import { registryFromRows } from '../../../server/contracts';
import { generateServerKey } from '../../../server/crypto/server-key';
import { createEnrollmentToken } from '../../../server/enrollment-tokens';
import { createJsonLogger } from '../../../server/logger';
import { openSqliteStorage } from '../../../server/storage/sqlite';
import type { ServerStorage } from '../../../server/storage/types';
import { newDeviceKeys } from '../../../server/testing/device-client';
import { METADATA_CAPS, type BundleInfo, type RoleName } from '../../../shared/bundles/types';
import { ApiError } from '../../../shared/errors';
import type { FetchFn } from '../../platform/device/signed-fetch';
import { buildBundle, isoIn, newRoot, type BuiltBundle } from './build';
import { BundleError } from '../../../shared/bundles/errors';
import { httpReader, listServerBundles, type DeviceSigner } from './http-source';
import { generateSigningKey, signEnvelope, type SigningKey } from './keys';
import { verifyBundle } from './verify';

const BASE = 'http://sync.test:8787';
const NOW = new Date();
const serverKey = generateServerKey();

let dir: string;
let bundlesDir: string;
let storage: ServerStorage;
let app: ReturnType<typeof createApp>;
let signer: DeviceSigner;
let fetchFn: FetchFn;
let keys: Record<RoleName, SigningKey[]>;
let built: BuiltBundle;
const requests: string[] = [];

const BIG = Buffer.alloc(2 * 1024 * 1024 + 123);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31) & 0xff;

const appFetch = (): FetchFn =>
  ((input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    requests.push(new URL(url).pathname);
    return Promise.resolve(app.request(url, init));
  }) as FetchFn;

/** A server that omits Content-Length (or, with `lie`, announces fewer bytes than it sends). */
const withoutLength = (inner: FetchFn): FetchFn =>
  (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await inner(input, init);
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(res.body, { status: res.status, headers });
  }) as FetchFn;

async function drain(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BundleError) return e.code;
    if (e instanceof ApiError) return `api:${e.code}`;
    throw e;
  }
  return 'no error';
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-http-source-'));
  bundlesDir = join(dir, 'bundles');
  storage = openSqliteStorage(join(dir, 'server.db'));
  app = createApp({
    storage,
    version: '0.0.0-test',
    clock: { now: () => NOW },
    logger: createJsonLogger('test', () => {}),
    startedAt: NOW.getTime(),
    serverKey,
    contracts: registryFromRows([]),
    rateLimit: { perSecond: 1000, burst: 1000 },
    bundlesDir,
  });
  const { token } = await createEnrollmentToken(storage, NOW, { tenant: 'acme', user: 'ana', role: 'field' }, 'test');
  const dk = newDeviceKeys();
  const res = await app.request('/v1/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, publicKey: dk.publicKey, deviceName: 'laptop', appVersion: '1.0.0' }),
  });
  expect(res.status).toBe(200);
  signer = { deviceId: ((await res.json()) as { deviceId: string }).deviceId, key: dk.privateKey, now: () => NOW };
  fetchFn = appFetch();
  requests.length = 0;

  keys = { root: [generateSigningKey()], targets: [generateSigningKey()], snapshot: [generateSigningKey()], timestamp: [generateSigningKey()] };
  const root = signEnvelope(newRoot({ expires: isoIn(NOW, 365), keys, thresholds: { root: 1, targets: 1, snapshot: 1, timestamp: 1 } }), keys.root);
  const content = join(dir, 'content');
  mkdirSync(join(content, 'prompts', 'deep'), { recursive: true });
  writeFileSync(join(content, 'prompts', 'a.md'), '# hello\n');
  writeFileSync(join(content, 'prompts', 'deep', 'big.bin'), BIG);
  writeFileSync(join(content, 'with space.txt'), 'spaced');
  const info: BundleInfo = { name: 'maestro.prompts', kind: 'prompts', version: '1.4.0', description: null };
  built = buildBundle({ contentDir: content, out: join(bundlesDir, 'maestro.prompts'), info, keys, roots: [root], now: NOW });
  trustRoot = root;
});

let trustRoot: Parameters<typeof verifyBundle>[1]['root'];

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('httpReader', () => {
  it('reads metadata (null when absent) and every target byte for byte, with signed requests', async () => {
    const r = httpReader(BASE, 'maestro.prompts', fetchFn, { signer });
    expect(r.label).toBe('server:maestro.prompts');
    const ts = await r.readMeta('timestamp.json', METADATA_CAPS.timestamp);
    expect(JSON.parse(ts!.toString('utf8'))).toEqual(built.timestamp);
    expect(await r.readMeta('1.root.json', METADATA_CAPS.root)).not.toBeNull();
    expect(await r.readMeta('2.root.json', METADATA_CAPS.root)).toBeNull();
    expect(await r.listTargets()).toBeNull();

    for (const [path, t] of Object.entries(built.targets.signed.targets)) {
      const bytes = await drain(await r.openTarget(path, t.length));
      expect(bytes.length).toBe(t.length);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(t.hashes.sha256);
    }
    expect(requests).toContain('/v1/bundles/maestro.prompts/targets/with%20space.txt');
  });

  it('verifies end to end through the bundle verifier', async () => {
    const r = httpReader(BASE, 'maestro.prompts', fetchFn, { signer });
    const v = await verifyBundle(r, { root: trustRoot, roleVersions: {}, referenceTime: NOW });
    expect(v.files).toBe(3);
    expect(v.bytesTotal).toBe(BIG.length + 8 + 6);
  });

  it('counts streamed bytes when the server sends no Content-Length', async () => {
    const r = httpReader(BASE, 'maestro.prompts', withoutLength(fetchFn), { signer });
    const t = built.targets.signed.targets['prompts/deep/big.bin']!;
    expect((await drain(await r.openTarget('prompts/deep/big.bin', t.length))).equals(BIG)).toBe(true);
  });

  it('cuts off a server file longer than its signed length (BUNDLE_TOO_LARGE)', async () => {
    const t = built.targets.signed.targets['prompts/deep/big.bin']!;
    appendFileSync(join(bundlesDir, 'maestro.prompts', 'targets', 'prompts', 'deep', 'big.bin'), Buffer.alloc(5 * 1024 * 1024, 1));
    // Announced: refused before a byte is read.
    const r = httpReader(BASE, 'maestro.prompts', fetchFn, { signer });
    expect(await refusal(r.openTarget('prompts/deep/big.bin', t.length))).toBe('BUNDLE_TOO_LARGE');
    // Not announced: counted, and the transfer is cut off just past the cap.
    const quiet = httpReader(BASE, 'maestro.prompts', withoutLength(fetchFn), { signer });
    const stream = await quiet.openTarget('prompts/deep/big.bin', t.length);
    let got = 0;
    const err = await refusal(
      (async () => {
        for await (const c of stream) got += c.length;
      })(),
    );
    expect(err).toBe('BUNDLE_TOO_LARGE');
    expect(got).toBeLessThanOrEqual(t.length + 1);
  });

  it('lets the verifier see one byte past the signed length, then cuts off', async () => {
    const small = join(bundlesDir, 'maestro.prompts', 'targets', 'prompts', 'a.md');
    appendFileSync(small, 'X');
    const quiet = httpReader(BASE, 'maestro.prompts', withoutLength(fetchFn), { signer });
    expect((await drain(await quiet.openTarget('prompts/a.md', 8))).toString()).toBe('# hello\nX');
    appendFileSync(small, 'Y');
    expect(await refusal(drain(await quiet.openTarget('prompts/a.md', 8)))).toBe('BUNDLE_TOO_LARGE');
    // The verifier refuses the longer file with its own code.
    expect(
      await refusal(verifyBundle(httpReader(BASE, 'maestro.prompts', fetchFn, { signer }), { root: trustRoot, roleVersions: {}, referenceTime: NOW })),
    ).toBe('BUNDLE_TOO_LARGE');
  });

  it('caps metadata by Content-Length and by counting', async () => {
    const r = httpReader(BASE, 'maestro.prompts', fetchFn, { signer });
    expect(await refusal(r.readMeta('targets.json', 100))).toBe('BUNDLE_TOO_LARGE');
    const quiet = httpReader(BASE, 'maestro.prompts', withoutLength(fetchFn), { signer });
    expect(await refusal(quiet.readMeta('targets.json', 100))).toBe('BUNDLE_TOO_LARGE');
  });

  it('maps 404 on a target to BUNDLE_MISSING_FILE and refuses unsafe names before asking', async () => {
    const r = httpReader(BASE, 'maestro.prompts', fetchFn, { signer });
    expect(await refusal(r.openTarget('prompts/missing.md', 3))).toBe('BUNDLE_MISSING_FILE');
    requests.length = 0;
    for (const p of ['../x', '/etc/passwd', 'a\\b', 'a//b', 'a/./b', '']) expect(await refusal(r.openTarget(p, 1))).toBe('BUNDLE_PATH_UNSAFE');
    for (const f of ['../targets.json', 'a/b.json', '.hidden']) expect(await refusal(r.readMeta(f, 100))).toBe('BUNDLE_PATH_UNSAFE');
    expect(requests).toEqual([]);
    expect(() => httpReader(BASE, '../etc', fetchFn, { signer })).toThrow(BundleError);
  });

  it('passes the server refusal through when the device is not signed in', async () => {
    const r = httpReader(BASE, 'maestro.prompts', fetchFn);
    expect(await refusal(r.readMeta('timestamp.json', 1000))).toBe('api:UNAUTHORIZED');
  });

  it('retries after a 429, and reports an unreachable server as UNAVAILABLE', async () => {
    let calls = 0;
    const flaky = (async (input: string | URL | Request, init?: RequestInit) => {
      calls++;
      if (calls === 1) return new Response('{}', { status: 429, headers: { 'retry-after': '1' } });
      return fetchFn(input, init);
    }) as FetchFn;
    const waits: number[] = [];
    const r = httpReader(BASE, 'maestro.prompts', flaky, { signer, sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    expect(await r.readMeta('timestamp.json', 64 * 1024)).not.toBeNull();
    expect(waits).toEqual([1000]);
    const down = httpReader(BASE, 'maestro.prompts', (() => Promise.reject(new TypeError('fetch failed'))) as FetchFn, { signer });
    expect(await refusal(down.readMeta('timestamp.json', 100))).toBe('api:UNAVAILABLE');
  });

  it('close() stops a download early', async () => {
    const r = httpReader(BASE, 'maestro.prompts', fetchFn, { signer });
    const t = built.targets.signed.targets['prompts/deep/big.bin']!;
    const stream = await r.openTarget('prompts/deep/big.bin', t.length);
    let got = 0;
    for await (const c of stream) {
      got += c.length;
      break;
    }
    stream.close?.();
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(t.length);
  });
});

describe('listServerBundles', () => {
  it('lists the bundles on the server with their advisory versions', async () => {
    mkdirSync(join(bundlesDir, 'app-update'));
    expect(await listServerBundles(BASE, fetchFn, { signer })).toEqual([
      { name: 'app-update', version: null },
      { name: 'maestro.prompts', version: '1.4.0' },
    ]);
  });

  it('throws the server error when unsigned', async () => {
    expect(await refusal(listServerBundles(BASE, fetchFn))).toBe('api:UNAUTHORIZED');
  });
});
