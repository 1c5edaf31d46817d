// The same flow in the real Electron shell. Where the Electron binary is not installed (it cannot
// be downloaded on these machines), every test here is reported as skipped with that reason.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { newDataDir } from './harness';

function electronBinary(): string | null {
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve('electron/package.json'));
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
const SKIP_REASON = 'Electron binary not installed (cannot be downloaded on this machine)';

declare module 'vitest' {
  interface TaskMeta {
    skipReason?: string;
  }
}

/** Skip with the reason recorded in the report, so the summary can print it. */
function skipWithoutElectron(ctx: { skip(note?: string): never; task: { meta: { skipReason?: string } } }): never {
  ctx.task.meta.skipReason = SKIP_REASON;
  return ctx.skip(SKIP_REASON);
}

describe('Electron shell', () => {
  it('opens a sandboxed, context-isolated window that shows the first-run screen', async (ctx) => {
    if (!bin) return skipWithoutElectron(ctx);
    const app = await electron.launch({ executablePath: bin, args: ['.'], env: { ...process.env, MAESTRO_DATA_DIR: newDataDir() } });
    const win = await app.firstWindow();
    await win.getByRole('heading', { name: 'Welcome to Maestro' }).waitFor();
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (window as unknown as { maestro?: unknown }).maestro)).toBe('object');
    expect(await win.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined');
    await app.close();
  });

  it('refuses navigation and new windows to remote content', async (ctx) => {
    if (!bin) return skipWithoutElectron(ctx);
    const app = await electron.launch({ executablePath: bin, args: ['.'], env: { ...process.env, MAESTRO_DATA_DIR: newDataDir() } });
    const win = await app.firstWindow();
    await win.evaluate(() => window.open('https://example.com'));
    expect(app.windows().length).toBe(1);
    await win.evaluate(() => (window.location.href = 'https://example.com'));
    expect(win.url()).toMatch(/^maestro:\/\/app\//);
    await app.close();
  });
});
