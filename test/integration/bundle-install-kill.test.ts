// Kill the process mid-install (while streaming, after staging, after the rename): the previous
// version is still the active one and still verifies, and the next start removes the debris.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../src/main/platform/test-utils';
import { dirReader } from '../../src/main/features/bundles/verify';
import { makeRepo, makeStore } from '../../src/main/features/bundles/testing';

const CHILD = fileURLToPath(new URL('./bundle-install-child.ts', import.meta.url));
const BIG = { 'weights-1.bin': Buffer.alloc(48 * 1024 * 1024, 1), 'weights-2.bin': Buffer.alloc(48 * 1024 * 1024, 2), 'README.txt': 'v2' };

function child(dataDir: string, rootPath: string, bundleDir: string, killAt: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, rootPath, bundleDir], {
    env: { ...process.env, MAESTRO_TEST_BUNDLE_KILL_AT: killAt },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('exit', (_c, signal) => resolve({ signal, stderr })));
}

describe('install is atomic across a crash', () => {
  it.each(['files', 'staged', 'renamed'])(
    'killed at %s: the previous version stays active and verifies',
    async (at) => {
      const work = tempDir('maestro-kill-');
      const repo = makeRepo();
      const rootPath = join(work, 'root.json');
      writeFileSync(rootPath, JSON.stringify(repo.root));
      const dataDir = join(work, 'data');
      const v1 = join(work, 'v1');
      repo.build(v1, { name: 'model.tiny', version: '1.0.0' }, { 'README.txt': 'v1' }, { versions: { targets: 1, snapshot: 1, timestamp: 1 } });
      const v2 = join(work, 'v2');
      repo.build(v2, { name: 'model.tiny', version: '2.0.0' }, BIG, { versions: { targets: 2, snapshot: 2, timestamp: 2 } });
      {
        const fx = makeStore({ dataDir, root: repo.root });
        await fx.store.install(dirReader(v1));
        fx.db.close();
      }

      const r = await child(dataDir, rootPath, v2, at);
      expect({ signal: r.signal, stderr: r.signal ? '' : r.stderr.slice(-1500) }).toEqual({ signal: 'SIGKILL', stderr: '' });
      // Debris of the killed install is on disk until the next start.
      const debris = existsSync(join(dataDir, 'bundles', '.staging')) ? readdirSync(join(dataDir, 'bundles', '.staging')).length : 0;
      const dirsBefore = readdirSync(join(dataDir, 'bundles', 'model.tiny')).length;
      expect(debris + dirsBefore).toBeGreaterThanOrEqual(at === 'renamed' ? 2 : 1);

      const fx = makeStore({ dataDir, root: repo.root });
      const active = fx.store.active('model.tiny')!;
      expect(active.info.version).toBe('1.0.0');
      expect(active.read('README.txt').toString()).toBe('v1');
      const [check] = await fx.store.verifyInstalled(active.id);
      expect(check).toMatchObject({ ok: true, refusal: null });
      expect(fx.store.report().bundles).toHaveLength(1);
      expect(existsSync(join(dataDir, 'bundles', '.staging'))).toBe(false);
      expect(readdirSync(join(dataDir, 'bundles', 'model.tiny'))).toHaveLength(1);

      // And the interrupted version installs cleanly afterwards.
      const res = await fx.store.install(dirReader(v2));
      expect(res.bundle).toMatchObject({ version: '2.0.0', active: true, state: 'verified' });
    },
    60_000,
  );
});
