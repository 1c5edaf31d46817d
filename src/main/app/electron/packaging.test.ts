// The packaged build's hardening, read from the packaging configuration and the sources (the
// Electron binary cannot be run here): fuses, the dev-server URL ignored when packaged, redirects
// handled like navigations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { devRendererUrl, isAppUrl } from './window-options';

/** electron-builder's `files` semantics for plain globs: the last pattern that matches decides; `!` excludes. */
function packaged(patterns: string[], path: string): boolean {
  const body = (glob: string) =>
    glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '\0')
      .replace(/\*/g, '[^/]*')
      .replace(/\0/g, '.*');
  const re = (glob: string) => new RegExp(`^${body(glob)}$`);
  let included = false;
  for (const p of patterns) if (re(p.replace(/^!/, '')).test(path)) included = !p.startsWith('!');
  return included;
}

describe('packaged Electron build', () => {
  it('ships the sealed built-ins but never the development policy overlay or its bundle', () => {
    const cfg = parse(readFileSync(new URL('../../../../electron-builder.yml', import.meta.url), 'utf8')) as Record<string, unknown>;
    const files = cfg.files as string[];
    for (const path of ['resources/bundles/maestro.policy/metadata/timestamp.json', 'resources/policy/policy.yaml', 'resources/trust/root.json'])
      expect({ path, packaged: packaged(files, path) }).toEqual({ path, packaged: true });
    for (const path of [
      'resources/bundles-dev/maestro.policy-dev/metadata/timestamp.json',
      'resources/bundles-dev/maestro.policy-dev/targets/overlay.yaml',
      'resources/policy-dev/overlay.yaml',
    ])
      expect({ path, packaged: packaged(files, path) }).toEqual({ path, packaged: false });
    // Nothing brings them back in beside the app archive.
    for (const key of ['extraResources', 'extraFiles']) expect(JSON.stringify(cfg[key] ?? [])).not.toMatch(/-dev/);
  });

  it('a packaged app never runs in development mode, whatever its environment says', () => {
    const entry = readFileSync(new URL('../../index.ts', import.meta.url), 'utf8');
    expect(entry).toContain('const devPolicy = !app.isPackaged && devPolicyFromEnv(process.env);');
    expect(entry).toMatch(/createServices\(\{[^}]*\bdevPolicy\b[^}]*\}\)/);
  });

  it('flips the fuses: no run-as-node, NODE_OPTIONS or inspect; cookie encryption; ASAR-only with integrity checked', () => {
    const cfg = parse(readFileSync(new URL('../../../../electron-builder.yml', import.meta.url), 'utf8')) as { electronFuses?: Record<string, boolean> };
    expect(cfg.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('ignores ELECTRON_RENDERER_URL in a packaged build, and anything but a loopback http dev server', () => {
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true)).toBeUndefined();
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false)).toBe('http://localhost:5173');
    expect(devRendererUrl({ ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173/' }, false)).toBe('http://127.0.0.1:5173/');
    for (const url of ['https://evil.example/', 'http://10.0.0.1:5173', 'file:///tmp/x.html', 'javascript:alert(1)', 'not a url'])
      expect(devRendererUrl({ ELECTRON_RENDERER_URL: url }, false)).toBeUndefined();
    expect(devRendererUrl({}, false)).toBeUndefined();
    // Without a dev server, only the app's own scheme is navigable.
    expect(isAppUrl('http://localhost:5173/', undefined)).toBe(false);
  });

  it('treats a redirect like a navigation, and the entry point reads the dev URL only through devRendererUrl', () => {
    const adapter = readFileSync(new URL('./adapter.ts', import.meta.url), 'utf8');
    for (const ev of ['will-navigate', 'will-redirect'])
      expect(adapter).toMatch(new RegExp(`on\\('${ev}', \\(ev, url\\) => \\{\\s*if \\(!isAppUrl\\(url, devServerUrl\\)\\) ev.preventDefault\\(\\);`));
    const entry = readFileSync(new URL('../../index.ts', import.meta.url), 'utf8');
    expect(entry.match(/ELECTRON_RENDERER_URL/g)).toBeNull();
    expect(entry).toContain('devRendererUrl(process.env, app.isPackaged)');
  });
});
