// Electron entry. Everything below the adapter is plain Node and also runs in the web host.
import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices, devPolicyFromEnv, startBackground, type Services } from './app/services';
import { createDispatcher, type Dispatch } from './app/dispatch';
import { createUnlockGate } from './app/unlock-gate';
import { usePrecompiledFirst } from './app/precompiled/index';
import { createEventBus } from './platform/events';
import { resolveDataDir } from './platform/paths';
import { createJsonLogger } from './platform/util/logger';
import { DatabaseError } from './platform/db/errors';
import { AtRestKeyError } from './platform/keys/at-rest';
import { openAtRest, type AskPassphrase } from './app/at-rest-start';
import { createMainWindow, hardenSessions, registerAppScheme, registerIpc, serveRenderer } from './app/electron/adapter';
import { createElectronUpdater, type ElectronUpdater } from './app/electron/updater';
import { devRendererUrl } from './app/electron/window-options';
import { deviceCredential } from './features/bundles/server-source';
import { readSyncConfig } from './platform/device/sync-config';

const here = fileURLToPath(new URL('.', import.meta.url));
// Never in a packaged build, and only a loopback dev server (window-options.ts devRendererUrl).
const devServerUrl = devRendererUrl(process.env, app.isPackaged);
registerAppScheme();

let services: Services | undefined;
let updater: ElectronUpdater | undefined;

void app.whenReady().then(async () => {
  const logger = createJsonLogger('main');
  hardenSessions(devServerUrl);
  serveRenderer(join(here, '../renderer'));
  // The build's validators for start-up and the first screen (decision 0042), before anything compiles.
  usePrecompiledFirst();
  // Served locked until the at-rest key is loaded: with no keychain and no MAESTRO_VAULT_PASSPHRASE,
  // the window shows the unlock screen and the passphrase typed there opens the app (unlock-gate.ts).
  const gate = createUnlockGate();
  let dispatch: Dispatch = gate.dispatch;
  registerIpc((channel, input) => dispatch(channel, input), devServerUrl);
  const preload = join(here, '../preload/index.cjs');
  const windowEvents = createEventBus();
  let window: BrowserWindow | null = null;
  const ask: AskPassphrase = (attempt, vault) => {
    window ??= createMainWindow(windowEvents, preload, devServerUrl);
    return gate.ask(attempt, vault);
  };
  try {
    const dataDir = resolveDataDir(undefined, app.getPath('userData'));
    // The at-rest key first (keychain, else the vault): without it the database stays closed; there
    // is no plaintext fallback.
    const { secrets, atRestKey, restore } = await openAtRest(dataDir, ask, process.env, Infinity);
    if (restore?.applied) logger.info('restored a backup', { device: restore.device, manifestSha256: restore.manifestSha256 });
    // Development mode (the test models allowed) never in a packaged app, whatever its environment says.
    const devPolicy = !app.isPackaged && devPolicyFromEnv(process.env);
    services = createServices({ dataDir, host: 'electron', logger, secrets, atRestKey, devPolicy });
  } catch (e) {
    const known = e instanceof DatabaseError || e instanceof AtRestKeyError ? e : null;
    const msg = known ? `${known.code}: ${known.message}` : (e as Error).message;
    // The reason (errors.UNAVAILABLE.<code>) words it on the unlock screen in the user's language.
    gate.failed('UNAVAILABLE', msg, known ? { reason: known.code.toLowerCase() } : undefined);
    dialog.showErrorBox('Maestro cannot open its data', msg);
    app.exit(2);
    return;
  }
  // App updates: electron-updater downloads; only an installer listed in the active, verified
  // app-update bundle is ever installed (src/main/features/updates, src/main/app/electron/updater.ts).
  const s = services;
  const u = createElectronUpdater(s.updates, {
    serverUrl: () => readSyncConfig(s.db)?.serverUrl ?? null,
    signer: () =>
      deviceCredential({ db: s.db, clock: s.clock, secrets: s.secrets }).then(
        (c) => c.signer,
        () => null,
      ),
    logger,
  });
  updater = u;
  s.updateInstaller = {
    async install() {
      const st = await u.download();
      if (st.state === 'ready') await u.install();
      return s.updates.status();
    },
  };
  s.events.subscribe((name, payload) => windowEvents.emit(name, payload));
  dispatch = createDispatcher(s);
  gate.opened();
  window ??= createMainWindow(windowEvents, preload, devServerUrl);
  startBackground(s);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(windowEvents, preload, devServerUrl);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => {
  void updater?.stop();
  services?.close();
});
