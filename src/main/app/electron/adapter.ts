// The one module besides index.ts that imports `electron`: IPC registration, the window, the
// custom protocol and the security handlers. Everything it calls is plain Node.
import { app, BrowserWindow, ipcMain, protocol, session, net, type IpcMainInvokeEvent } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { channelNames } from '../../../shared/api/index';
import type { Dispatch } from '../dispatch';
import type { EventBus } from '../../platform/events';
import { APP_ORIGIN, APP_SCHEME, RENDERER_CSP, isAppUrl, isTrustedSender, windowOptions } from './window-options';
import { permissionDecision } from './permissions';
import { RENDERER_PERMISSIONS_POLICY } from '../webhost/security';

export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(rendererDir: string): void {
  const root = normalize(rendererDir);
  protocol.handle(APP_SCHEME, async (req) => {
    const { pathname } = new URL(req.url);
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep)) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', RENDERER_CSP);
    headers.set('Permissions-Policy', RENDERER_PERMISSIONS_POLICY);
    return new Response(res.body, { status: res.status, headers });
  });
}

export function registerIpc(dispatch: Dispatch, devServerUrl?: string): void {
  for (const channel of channelNames) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, input: unknown) => {
      const frame = event.senderFrame;
      const isMain = !!frame && frame === event.sender.mainFrame;
      if (!isTrustedSender(frame, isMain, devServerUrl)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'IPC sender is not the app window' } };
      }
      return dispatch(channel, input);
    });
  }
}

export function hardenSessions(devServerUrl?: string): void {
  // Every permission is refused except location for the app's own page (permissions.ts).
  session.defaultSession.setPermissionRequestHandler((wc, permission, cb, details) =>
    cb(permissionDecision({ permission, requesting: details.requestingUrl, embedding: wc.getURL(), isMainFrame: details.isMainFrame }, devServerUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    permissionDecision({ permission, requesting: requestingOrigin, embedding: details.embeddingOrigin, isMainFrame: details.isMainFrame }, devServerUrl),
  );
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    // A redirect is a navigation too (a server answering 30x to somewhere else): the same rule.
    contents.on('will-navigate', (ev, url) => {
      if (!isAppUrl(url, devServerUrl)) ev.preventDefault();
    });
    contents.on('will-redirect', (ev, url) => {
      if (!isAppUrl(url, devServerUrl)) ev.preventDefault();
    });
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });
}

/** The app window; `events` is the app's event bus (or one that relays it once a locked start opens). */
export function createMainWindow(events: Pick<EventBus, 'subscribe'>, preloadPath: string, devServerUrl?: string): BrowserWindow {
  const win = new BrowserWindow(windowOptions(preloadPath));
  const off = events.subscribe((name, payload) => {
    if (!win.isDestroyed()) win.webContents.send(`event:${name}`, payload);
  });
  win.on('closed', off);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}
