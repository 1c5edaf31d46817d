// Electron entry. Everything below the adapter is plain Node and also runs in the web host.
import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices, startBackground, type Services } from './services';
import { createDispatcher } from './api/dispatch';
import { resolveDataDir } from './paths';
import { createJsonLogger } from './util/logger';
import { DatabaseError } from './db/errors';
import { createMainWindow, hardenSessions, registerAppScheme, registerIpc, serveRenderer } from './electron/adapter';

const here = fileURLToPath(new URL('.', import.meta.url));
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
registerAppScheme();

let services: Services | undefined;

void app.whenReady().then(() => {
  const logger = createJsonLogger('main');
  try {
    services = createServices({ dataDir: resolveDataDir(undefined, app.getPath('userData')), host: 'electron', logger });
  } catch (e) {
    const msg = e instanceof DatabaseError ? `${e.code}: ${e.message}` : (e as Error).message;
    dialog.showErrorBox('Maestro cannot open its data', msg);
    app.exit(2);
    return;
  }
  hardenSessions(devServerUrl);
  serveRenderer(join(here, '../renderer'));
  registerIpc(createDispatcher(services), devServerUrl);
  const preload = join(here, '../preload/index.cjs');
  createMainWindow(services, preload, devServerUrl);
  startBackground(services);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && services) createMainWindow(services, preload, devServerUrl);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => services?.close());
