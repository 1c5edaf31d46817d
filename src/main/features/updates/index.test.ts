import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActiveBundle, BundleChange, BundleService } from '../bundles/types';
import { BundleError } from '../../../shared/bundles/errors';
import type { AppUpdateInfo, BundleKind, UpdateStatus } from '../../../shared/bundles/types';
import { ApiError } from '../../../shared/errors';
import { compareSemver, createUpdateService } from './index';

let dir: string;
const INSTALLER = Buffer.alloc(3 * 1024 * 1024 + 5);
for (let i = 0; i < INSTALLER.length; i++) INSTALLER[i] = (i * 7) & 0xff;
const CHANNEL = Buffer.from('version: 2.0.0\nfiles:\n  - url: Maestro-2.0.0.AppImage\npath: Maestro-2.0.0.AppImage\n');

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A fake of what the update service uses from the bundle service: an active bundle over a directory. */
function fakeBundle(id: number, app: AppUpdateInfo, files: Record<string, Buffer>): ActiveBundle {
  const bdir = join(dir, `b${id}`);
  const hashes: Record<string, string> = {};
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(join(bdir, 'targets', p, '..'), { recursive: true });
    writeFileSync(join(bdir, 'targets', p), b);
    hashes[p] = sha(b);
  }
  const check = (p: string): string => {
    if (!(p in hashes)) throw new BundleError('BUNDLE_MISSING_FILE', `no ${p}`);
    return join(bdir, 'targets', p);
  };
  return {
    id,
    info: { name: 'app-update', kind: 'app-update', version: app.appVersion, description: null, app },
    dir: bdir,
    files: () => Object.keys(hashes).sort(),
    read: (p) => {
      const b = readFileSync(check(p));
      if (sha(b) !== hashes[p]) throw new BundleError('BUNDLE_TAMPERED', `${p} changed`);
      return b;
    },
    pathOf: check,
    sha256: (p) => {
      check(p);
      return hashes[p] as string;
    },
  };
}

function fakeService(): { svc: Pick<BundleService, 'activeOfKind' | 'subscribe'>; set(b: ActiveBundle[]): void; kinds: BundleKind[] } {
  let active: ActiveBundle[] = [];
  const listeners = new Set<(c: BundleChange) => void>();
  const kinds: BundleKind[] = [];
  return {
    kinds,
    svc: {
      activeOfKind: (k) => {
        kinds.push(k);
        return k === 'app-update' ? active : [];
      },
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    set(b) {
      active = b;
      for (const l of listeners) l({ name: 'app-update', change: 'activated' });
    },
  };
}

const app2: AppUpdateInfo = { appVersion: '2.0.0', artifact: 'Maestro-2.0.0.AppImage', channelFile: 'latest-linux.yml', releaseNotes: 'Faster.' };
const bundle2 = (): ActiveBundle => fakeBundle(7, app2, { 'Maestro-2.0.0.AppImage': INSTALLER, 'latest-linux.yml': CHANNEL });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof BundleError) return e.code;
    if (e instanceof ApiError) return `api:${e.code}`;
    throw e;
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-updates-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('compareSemver', () => {
  it('orders by SemVer precedence', () => {
    expect(compareSemver('1.10.0', '1.9.9')).toBe(1);
    expect(compareSemver('1.0.0', '1.0.0+build.5')).toBe(0);
    expect(compareSemver('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareSemver('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareSemver('1.0.0-alpha.beta', '1.0.0-beta')).toBe(-1);
    expect(compareSemver('1.0.0-beta.11', '1.0.0-beta.2')).toBe(1);
    expect(compareSemver('1.0.0-1', '1.0.0-alpha')).toBe(-1);
    expect(compareSemver('1.0', '1.0.0')).toBeNull();
  });
});

describe('UpdateService.status', () => {
  it('offers nothing without an active app-update bundle', () => {
    const f = fakeService();
    const u = createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' });
    expect(u.status()).toEqual({ current: '1.0.0', available: null, canInstall: true, state: 'none', error: null });
    expect(f.kinds.every((k) => k === 'app-update')).toBe(true);
  });

  it('offers the verified bundle when its app version is above the running one; install only on electron', () => {
    const f = fakeService();
    f.set([bundle2()]);
    const web = createUpdateService({ bundles: f.svc, appVersion: '1.9.3', host: 'web' });
    expect(web.status()).toEqual({
      current: '1.9.3',
      available: { version: '2.0.0', releaseNotes: 'Faster.', bundleVersionId: 7 },
      canInstall: false,
      state: 'available',
      error: null,
    });
    expect(createUpdateService({ bundles: f.svc, appVersion: '1.9.3', host: 'electron' }).status().canInstall).toBe(true);
  });

  it('offers nothing when the bundle is the same, older, or not a version', () => {
    const f = fakeService();
    f.set([bundle2()]);
    for (const v of ['2.0.0', '2.0.1', '3.0.0-beta.1'])
      expect(createUpdateService({ bundles: f.svc, appVersion: v, host: 'electron' }).status().available).toBeNull();
    f.set([fakeBundle(8, { ...app2, appVersion: 'latest' }, {})]);
    expect(createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' }).status().available).toBeNull();
  });

  it('follows bundle activations and adapter progress, and resets progress for a new bundle', () => {
    const f = fakeService();
    const u = createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' });
    const seen: UpdateStatus[] = [];
    u.subscribe((s) => seen.push(s));
    f.set([bundle2()]);
    expect(seen.map((s) => s.state)).toEqual(['available']);
    u.markDownloading();
    u.markError('bad installer');
    expect(u.status()).toMatchObject({ state: 'error', error: 'bad installer' });
    f.set([fakeBundle(9, { ...app2, appVersion: '2.0.1' }, {})]);
    expect(u.status()).toMatchObject({ state: 'available', error: null, available: { version: '2.0.1', bundleVersionId: 9 } });
    u.markReady();
    expect(seen.map((s) => s.state)).toEqual(['available', 'downloading', 'error', 'available', 'ready']);
    u.stop();
    f.set([]);
    expect(seen).toHaveLength(5);
  });
});

describe('UpdateService.verifyArtifact', () => {
  it('accepts exactly the signed installer', async () => {
    const f = fakeService();
    f.set([bundle2()]);
    const u = createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' });
    const file = join(dir, 'dl.AppImage');
    writeFileSync(file, INSTALLER);
    await u.verifyArtifact(file);
  });

  it('refuses a shorter, a longer and a changed installer', async () => {
    const f = fakeService();
    f.set([bundle2()]);
    const u = createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' });
    const file = join(dir, 'dl.AppImage');
    writeFileSync(file, INSTALLER.subarray(0, INSTALLER.length - 1));
    expect(await code(u.verifyArtifact(file))).toBe('BUNDLE_LENGTH_MISMATCH');
    writeFileSync(file, Buffer.concat([INSTALLER, Buffer.from('x')]));
    expect(await code(u.verifyArtifact(file))).toBe('BUNDLE_TOO_LARGE');
    const changed = Buffer.from(INSTALLER);
    changed.writeUInt8(changed.readUInt8(12345) ^ 1, 12345);
    writeFileSync(file, changed);
    expect(await code(u.verifyArtifact(file))).toBe('BUNDLE_HASH_MISMATCH');
  });

  it('refuses when no update is on offer', async () => {
    const f = fakeService();
    const u = createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' });
    const file = join(dir, 'dl.AppImage');
    writeFileSync(file, INSTALLER);
    expect(await code(u.verifyArtifact(file))).toBe('api:CONFLICT');
    f.set([bundle2()]);
    expect(await code(createUpdateService({ bundles: f.svc, appVersion: '2.0.0', host: 'electron' }).verifyArtifact(file))).toBe('api:CONFLICT');
  });
});

describe('UpdateService.channelFileMatches', () => {
  it('accepts only the signed channel file bytes', () => {
    const f = fakeService();
    const u = createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' });
    expect(u.channelFileMatches(CHANNEL)).toBe(false);
    f.set([bundle2()]);
    expect(u.channelFileMatches(new Uint8Array(CHANNEL))).toBe(true);
    expect(u.channelFile()?.equals(CHANNEL)).toBe(true);
    expect(u.channelFileMatches(Buffer.from(CHANNEL.toString().replace('2.0.0', '2.0.1')))).toBe(false);
    expect(u.channelFileMatches(Buffer.concat([CHANNEL, Buffer.from('\n')]))).toBe(false);
  });

  it('is false when the installed channel file was tampered with', () => {
    const f = fakeService();
    const b = bundle2();
    f.set([b]);
    writeFileSync(join(b.dir, 'targets', 'latest-linux.yml'), 'version: 9.9.9\n');
    expect(createUpdateService({ bundles: f.svc, appVersion: '1.0.0', host: 'electron' }).channelFileMatches(Buffer.from('version: 9.9.9\n'))).toBe(false);
  });
});
