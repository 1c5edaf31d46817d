import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import type { AppUpdateInfo } from '../../../shared/bundles/types';
import { ApiError } from '../../../shared/errors';
import type { ActiveBundle, BundleChange, BundleService } from '../../features/bundles/types';
import { buildBundle, isoIn, newRoot } from '../../features/bundles/build';
import { BundleError } from '../../../shared/bundles/errors';
import type { DeviceSigner } from '../../features/bundles/http-source';
import { generateSigningKey, signEnvelope } from '../../features/bundles/keys';
import type { FetchFn } from '../../platform/device/signed-fetch';
import { createUpdateService, type UpdateService } from '../../features/updates/index';
import { createElectronUpdater, type ElectronUpdater, type UpdaterLike, type UpdaterSessionLike } from './updater';

const NOW = new Date();
const INSTALLER = Buffer.alloc(1024 * 1024 + 77);
for (let i = 0; i < INSTALLER.length; i++) INSTALLER[i] = (i * 13) & 0xff;
const APP: AppUpdateInfo = { appVersion: '2.1.0', artifact: 'Maestro-2.1.0.AppImage', channelFile: 'latest-linux.yml', releaseNotes: null };
const CHANNEL = Buffer.from(`version: 2.1.0\npath: ${APP.artifact}\nsha512: x\n`);

type Hook = Parameters<UpdaterSessionLike['webRequest']['onBeforeSendHeaders']>[0];

/** Stands in for electron-updater: fetches through the session hook like Electron's net would. */
class FakeUpdater extends EventEmitter implements UpdaterLike {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  disableDifferentialDownload = false;
  disableWebInstaller = false;
  feed = '';
  installs = 0;
  requests: { url: string; headers: Record<string, string> }[] = [];
  hook: Hook | null = null;
  info: { version: string; path: string } | null = null;
  /** Changes what the "download" wrote (a compromised mirror). */
  tamper: ((b: Buffer) => Buffer) | null = null;
  versionOverride: string | null = null;
  readonly netSession: UpdaterSessionLike = { webRequest: { onBeforeSendHeaders: (l) => void (this.hook = l) } };

  constructor(
    private readonly transport: (url: string, headers: Record<string, string>) => Promise<Response>,
    private readonly cacheDir: string,
  ) {
    super();
  }

  private async get(url: string): Promise<Buffer> {
    const r = await new Promise<{ cancel?: boolean; requestHeaders?: Record<string, string> }>((res) =>
      this.hook ? this.hook({ url, method: 'GET', requestHeaders: { 'user-agent': 'fake' } }, res) : res({}),
    );
    if (r.cancel) throw new Error('net::ERR_BLOCKED_BY_CLIENT');
    const headers = r.requestHeaders ?? { 'user-agent': 'fake' };
    this.requests.push({ url, headers });
    const res = await this.transport(url, headers);
    if (res.status !== 200) throw new Error(`HttpError: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  setFeedURL(o: { provider: 'generic'; url: string }): void {
    this.feed = o.url;
  }

  async checkForUpdates(): Promise<{ isUpdateAvailable: boolean; updateInfo: { version: string } }> {
    const url = new URL(APP.channelFile, this.feed);
    url.search = 'noCache=1abc';
    const yml = (await this.get(url.href)).toString();
    const version = this.versionOverride ?? /version: (\S+)/.exec(yml)![1]!;
    this.info = { version, path: /path: (\S+)/.exec(yml)![1]! };
    return { isUpdateAvailable: true, updateInfo: { version } };
  }

  async downloadUpdate(): Promise<string[]> {
    let bytes = await this.get(new URL(this.info!.path, this.feed).href);
    if (this.tamper) bytes = this.tamper(bytes);
    const file = join(this.cacheDir, this.info!.path);
    writeFileSync(file, bytes);
    this.emit('update-downloaded', { version: this.info!.version, downloadedFile: file });
    return [file];
  }

  quitAndInstall(): void {
    this.installs++;
  }
}

let dir: string;
let storage: ServerStorage | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-updater-'));
  mkdirSync(join(dir, 'cache'));
});
afterEach(async () => {
  await storage?.close();
  storage = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A signed app-update bundle on disk (as the server serves it), and an ActiveBundle over the same bytes. */
function appBundle(out: string): ActiveBundle {
  const keys = { root: [generateSigningKey()], targets: [generateSigningKey()], snapshot: [generateSigningKey()], timestamp: [generateSigningKey()] };
  const root = signEnvelope(newRoot({ expires: isoIn(NOW, 365), keys, thresholds: { root: 1, targets: 1, snapshot: 1, timestamp: 1 } }), keys.root);
  const content = `${out}.content`;
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, APP.artifact), INSTALLER);
  writeFileSync(join(content, APP.channelFile), CHANNEL);
  const built = buildBundle({
    contentDir: content,
    out,
    info: { name: 'app-update', kind: 'app-update', version: APP.appVersion, description: null, app: APP },
    keys,
    roots: [root],
    now: NOW,
  });
  const t = built.targets.signed.targets;
  const installed = join(dir, 'installed');
  mkdirSync(join(installed, 'targets'), { recursive: true });
  writeFileSync(join(installed, 'targets', APP.artifact), INSTALLER);
  writeFileSync(join(installed, 'targets', APP.channelFile), CHANNEL);
  const pathOf = (p: string): string => {
    if (!t[p]) throw new BundleError('BUNDLE_MISSING_FILE', p);
    return join(installed, 'targets', p);
  };
  return {
    id: 42,
    info: built.targets.signed.custom.bundle,
    dir: installed,
    files: () => Object.keys(t).sort(),
    read: (p) => {
      const b = readFileSync(pathOf(p));
      if (createHash('sha256').update(b).digest('hex') !== t[p]!.hashes.sha256) throw new BundleError('BUNDLE_TAMPERED', p);
      return b;
    },
    pathOf,
    sha256: (p) => t[p]!.hashes.sha256,
  };
}

function bundles(active: ActiveBundle[]): Pick<BundleService, 'activeOfKind' | 'subscribe'> {
  return { activeOfKind: (k) => (k === 'app-update' ? active : []), subscribe: (_l: (c: BundleChange) => void) => () => {} };
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof BundleError) return e.code;
    if (e instanceof ApiError) return `api:${e.code}`;
    throw e;
  }
}

describe('electron updater, local feed (MAESTRO_UPDATE_DIR)', () => {
  let updates: UpdateService;
  let fake: FakeUpdater;
  let eu: ElectronUpdater;

  beforeEach(() => {
    updates = createUpdateService({ bundles: bundles([appBundle(join(dir, 'bundle'))]), appVersion: '2.0.0', host: 'electron' });
    fake = new FakeUpdater((url, headers) => fetch(url, { headers }), join(dir, 'cache'));
    eu = createElectronUpdater(updates, {
      serverUrl: () => 'http://unused.test',
      signer: () => Promise.resolve(null),
      updateDir: '/media/usb/maestro',
      updater: fake,
    });
  });
  afterEach(() => eu.stop());

  it('downloads from the verified installed copy, verifies, and installs only then', async () => {
    await expect(eu.install()).rejects.toThrow(/download the update first/);
    const s = await eu.download();
    expect(s).toMatchObject({ state: 'ready', error: null, available: { version: '2.1.0', bundleVersionId: 42 } });
    expect(fake).toMatchObject({
      autoDownload: false,
      autoInstallOnAppQuit: false,
      allowDowngrade: false,
      disableDifferentialDownload: true,
      disableWebInstaller: true,
    });
    expect(fake.feed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/$/);
    // Nothing else is served from the loopback feed.
    expect((await fetch(new URL('other.txt', fake.feed))).status).toBe(404);
    expect((await fetch(new URL(`../${APP.artifact}`, fake.feed))).status).toBe(404);
    await eu.install();
    expect(fake.installs).toBe(1);
  });

  it('refuses a tampered download, deletes it, and will not install', async () => {
    fake.tamper = (b) => {
      const c = Buffer.from(b);
      c.writeUInt8(c.readUInt8(100) ^ 1, 100);
      return c;
    };
    const s = await eu.download();
    expect(s.state).toBe('error');
    expect(s.error).toMatch(/^BUNDLE_HASH_MISMATCH/);
    expect(existsSync(join(dir, 'cache', APP.artifact))).toBe(false);
    expect(await failure(eu.install())).toBe('api:CONFLICT');
    expect(fake.installs).toBe(0);
  });

  it('refuses a short download', async () => {
    fake.tamper = (b) => b.subarray(0, b.length - 10);
    expect((await eu.download()).error).toMatch(/^BUNDLE_LENGTH_MISMATCH/);
  });

  it('refuses a feed that offers another version than the verified bundle', async () => {
    fake.versionOverride = '2.2.0';
    expect((await eu.download()).error).toMatch(/^BUNDLE_MIX_AND_MATCH/);
  });

  it('re-verifies the installer right before installing', async () => {
    expect((await eu.download()).state).toBe('ready');
    writeFileSync(join(dir, 'cache', APP.artifact), Buffer.concat([INSTALLER, Buffer.from('!')]));
    expect(await failure(eu.install())).toBe('BUNDLE_TOO_LARGE');
    expect(fake.installs).toBe(0);
    expect(updates.status().state).toBe('error');
  });

  it('offers nothing to download without a newer verified bundle, and nothing on the web host', async () => {
    const none = createElectronUpdater(createUpdateService({ bundles: bundles([]), appVersion: '2.0.0', host: 'electron' }), {
      serverUrl: () => null,
      signer: () => Promise.resolve(null),
      updateDir: null,
      updater: fake,
    });
    expect(await failure(none.download())).toBe('api:CONFLICT');
    const web = createElectronUpdater(createUpdateService({ bundles: bundles([appBundle(join(dir, 'b2'))]), appVersion: '2.0.0', host: 'web' }), {
      serverUrl: () => null,
      signer: () => Promise.resolve(null),
      updateDir: null,
      updater: fake,
    });
    expect(await failure(web.download())).toBe('api:FORBIDDEN');
  });
});

describe('electron updater, server feed', () => {
  const BASE = 'http://sync.test:8787';
  let app: ReturnType<typeof createApp>;
  let signer: DeviceSigner;
  let updates: UpdateService;
  let fake: FakeUpdater;
  let eu: ElectronUpdater;
  let serverBundle: string;

  beforeEach(async () => {
    const bundlesDir = join(dir, 'srv-bundles');
    serverBundle = join(bundlesDir, 'app-update');
    updates = createUpdateService({ bundles: bundles([appBundle(serverBundle)]), appVersion: '2.0.0', host: 'electron' });
    storage = openSqliteStorage(join(dir, 'server.db'));
    app = createApp({
      storage,
      version: '0.0.0-test',
      clock: { now: () => NOW },
      logger: createJsonLogger('test', () => {}),
      startedAt: NOW.getTime(),
      serverKey: generateServerKey(),
      contracts: registryFromRows([]),
      rateLimit: { perSecond: 1000, burst: 1000 },
      bundlesDir,
    });
    const { token } = await createEnrollmentToken(storage, NOW, { tenant: 'acme', user: 'ana', role: 'field' }, 'test');
    const dk = newDeviceKeys();
    const res = await app.request('/v1/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, publicKey: dk.publicKey, deviceName: 'laptop', appVersion: '2.0.0' }),
    });
    signer = { deviceId: ((await res.json()) as { deviceId: string }).deviceId, key: dk.privateKey, now: () => NOW };
    const appFetch = ((input: string | URL, init?: RequestInit) => Promise.resolve(app.request(String(input), init))) as FetchFn;
    fake = new FakeUpdater((url, headers) => Promise.resolve(app.request(url, { headers })), join(dir, 'cache'));
    eu = createElectronUpdater(updates, { serverUrl: () => BASE, signer: () => Promise.resolve(signer), updateDir: null, fetch: appFetch, updater: fake });
  });

  it('downloads from /v1/bundles/app-update/targets/ with every request signed', async () => {
    const s = await eu.download();
    expect(s.state).toBe('ready');
    expect(fake.feed).toBe(`${BASE}/v1/bundles/app-update/targets/`);
    expect(fake.requests.map((r) => new URL(r.url).pathname)).toEqual([
      `/v1/bundles/app-update/targets/${APP.channelFile}`,
      `/v1/bundles/app-update/targets/${APP.artifact}`,
    ]);
    for (const r of fake.requests) expect(r.headers).toMatchObject({ 'user-agent': 'fake', 'x-maestro-device': signer.deviceId });
    await eu.install();
    expect(fake.installs).toBe(1);
  });

  it('leaves requests outside the feed unsigned', async () => {
    await eu.download();
    const got = await new Promise<{ requestHeaders?: Record<string, string> }>((res) =>
      fake.hook!({ url: 'https://elsewhere.test/x', method: 'GET', requestHeaders: {} }, res),
    );
    expect(got).toEqual({});
  });

  it('refuses when the server channel file is not the verified one', async () => {
    writeFileSync(join(serverBundle, 'targets', APP.channelFile), CHANNEL.toString().replace('sha512: x', 'sha512: y'));
    const s = await eu.download();
    expect(s.error).toMatch(/^BUNDLE_MIX_AND_MATCH/);
    expect(fake.requests).toEqual([]);
  });

  it('refuses an installer the server swapped', async () => {
    const swapped = Buffer.from(INSTALLER);
    swapped.writeUInt8(swapped.readUInt8(5) ^ 0xff, 5);
    writeFileSync(join(serverBundle, 'targets', APP.artifact), swapped);
    expect((await eu.download()).error).toMatch(/^BUNDLE_HASH_MISMATCH/);
  });

  it('needs the device key', async () => {
    const locked = createElectronUpdater(updates, { serverUrl: () => BASE, signer: () => Promise.resolve(null), updateDir: null, updater: fake });
    expect((await locked.download()).error).toMatch(/key vault/);
  });
});
