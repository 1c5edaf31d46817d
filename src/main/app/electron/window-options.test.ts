import { describe, expect, it } from 'vitest';
import { isAppUrl, isTrustedSender, windowOptions, RENDERER_CSP } from './window-options';
import { readFileSync } from 'node:fs';

describe('Electron security baseline', () => {
  it('window options isolate and sandbox the renderer', () => {
    const w = windowOptions('/app/preload.cjs');
    expect(w.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      preload: '/app/preload.cjs',
    });
  });

  it('CSP is strict: self only, no eval, no inline, no plugins', () => {
    const d = Object.fromEntries(RENDERER_CSP.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1).join(' ')]));
    expect(d['default-src']).toBe("'self'");
    expect(d['script-src']).toBe("'self'");
    expect(d['object-src']).toBe("'none'");
    expect(RENDERER_CSP).not.toMatch(/unsafe-(inline|eval)|\*/);
    const html = readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');
    expect(html).toContain("script-src 'self'");
    expect(html).not.toMatch(/unsafe-/);
  });

  it('only the app origin is navigable, and only its main frame may call IPC', () => {
    expect(isAppUrl('maestro://app/index.html')).toBe(true);
    expect(isAppUrl('https://evil.example/')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('maestro://other/')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender({ url: 'maestro://app/index.html', parent: null }, true)).toBe(true);
    expect(isTrustedSender({ url: 'maestro://app/index.html', parent: {} }, false)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, true)).toBe(false);
    expect(isTrustedSender(null, true)).toBe(false);
  });

  it('only index.ts and the adapter import electron', async () => {
    const { execSync } = await import('node:child_process');
    const out = execSync("grep -rlE --exclude='*.test.ts' \"from 'electron'\" src/main src/shared src/server || true", { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();
    expect(out).toEqual(['src/main/app/electron/adapter.ts', 'src/main/index.ts']);
  });
});
