// Pure data and functions, no `electron` import: the security baseline is unit-tested here.
import { RENDERER_CSP } from '../webhost/security';

export const APP_SCHEME = 'maestro';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
    // Middle-click (auxclick) on a link must not open anything either.
    disableBlinkFeatures: 'Auxclick',
  } as const;
}

export function windowOptions(preloadPath: string) {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Maestro',
    backgroundColor: '#0f172a',
    webPreferences: secureWebPreferences(preloadPath),
  };
}

export { RENDERER_CSP };

/** Only the app's own origin may be loaded; everything else is refused (navigation, new windows). */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === `${APP_SCHEME}:` && u.host === 'app') return true;
  if (devServerUrl) {
    try {
      return u.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/** The IPC sender check: the frame must be the window's main frame showing our own origin. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined, isMainFrame: boolean, devServerUrl?: string): boolean {
  return !!frame && isMainFrame && frame.parent === null && isAppUrl(frame.url, devServerUrl);
}

/**
 * The dev server URL the renderer loads from in development (electron-vite sets ELECTRON_RENDERER_URL),
 * or undefined: always in a packaged build (an environment variable must not point a shipped app at
 * other content), and for anything but an http URL on a loopback address.
 */
export function devRendererUrl(env: Record<string, string | undefined>, isPackaged: boolean): string | undefined {
  const raw = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !raw) return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) ? raw : undefined;
  } catch {
    return undefined;
  }
}
