// Process-level smoke test: spawns the real entry via tsx on an OS-chosen port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-srv-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', MAESTRO_SERVER_DB: join(dir, 'nested', 'srv.db'), MAESTRO_SERVER_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function waitFor<T>(fn: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('main.ts', () => {
  it('prints the listening line, serves /healthz, and exits 0 on SIGTERM', async () => {
    const p = start();
    const url = await waitFor(() => /^Maestro sync server listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(p.out())?.[1]);
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    // The signing key was generated next to the database, private to the owner.
    expect(statSync(join(dir, 'nested', 'server-ed25519.pem')).mode & 0o777).toBe(0o600);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).toContain('"msg":"request"');
  }, 20_000);

  it('rejects unknown subcommands and bad arguments with exit 2 and the usage', async () => {
    const p = start(['frobnicate']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('maestro-server: unknown command frobnicate');
    expect(p.err()).toContain('usage: maestro-server');
    const q = start(['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'field', '--bogus']);
    expect(await q.exited).toBe(2);
    expect(q.err()).toContain("Unknown option '--bogus'");
  }, 20_000);
});
