import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'preflight.mjs');
const bin = mkdtempSync(join(tmpdir(), 'preflight-'));
symlinkSync(process.execPath, join(bin, 'node')); // a PATH with node but no compiler, make or python
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const preflight = (env: Record<string, string>) => spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

describe('scripts/preflight.mjs', () => {
  it('passes on this machine (Node per engines, native module built or a toolchain present)', () => {
    const r = preflight({});
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('names each missing build tool when the native module is not built and PATH has no compiler', () => {
    const r = preflight({ PATH: bin, PREFLIGHT_NATIVE_BUILT: '0' });
    expect(r.status).toBe(1);
    for (const tool of ['"cc"', '"c++"', '"make"', '"python3"']) expect(r.stderr).toContain(tool);
    expect(r.stderr).toMatch(/apt-get install build-essential/);
  });

  it('does not ask for a compiler once the native module is built', () => {
    const r = preflight({ PATH: bin, PREFLIGHT_NATIVE_BUILT: '1' });
    expect(r.status).toBe(0);
  });

  it('says when Node is older than package.json engines asks', () => {
    const r = preflight({ PREFLIGHT_NODE_VERSION: '18.20.0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Node >=20\.19\.0 is needed \(this is 18\.20\.0\)/);
  });
});
