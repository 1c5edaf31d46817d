// electron-updater as a download-and-install mechanism only. What to install, and whether an
// installer may run, is decided by the update service (src/main/features/updates) from the active, verified
// app-update bundle: electron-updater's own feed is checked against that bundle (channel file bytes
// and version), and a downloaded installer is installed only after its length and SHA-256 equal the
// bundle's signed artifact target (re-checked right before quitAndInstall).
//
// Feeds (electron-updater's generic provider):
// - server: the enrolled sync server's /v1/bundles/<name>/targets/. Those routes need a device
//   signature per request, so a webRequest hook on electron-updater's own session (its netSession,
//   the `electron-updater` partition) signs every request to that prefix with the device key.
// - local (MAESTRO_UPDATE_DIR set, or no server enrolled): electron-updater fetches through
//   Electron's net.request, which speaks only http: and https: (a file:// feed cannot work), so the
//   installed, verified copy of the bundle's artifact and channel file is served on a loopback
//   port under a random path. Install the bundle from MAESTRO_UPDATE_DIR with the bundle service
//   first; the offer (and so this feed) exists only once it is active.
//
// This module may import electron-updater but not electron; only src/main/index.ts (and this
// directory) may import it.
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AppUpdater } from 'electron-updater';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../../../shared/errors';
import type { UpdateStatus } from '../../../shared/bundles/types';
import { BundleError, refuse } from '../../features/bundles/errors';
import { httpReader, signedGetHeaders, BUNDLES_PATH, type DeviceSigner } from '../../features/bundles/http-source';
import type { FetchFn } from '../../platform/device/signed-fetch';
import type { UpdateOffer, UpdateService } from '../../features/updates/index';
import { silentLogger, type Logger } from '../../platform/util/logger';

/** The part of Electron's Session the signing hook needs (electron-updater's netSession is one). */
export interface UpdaterSessionLike {
  webRequest: {
    onBeforeSendHeaders(
      listener: (
        details: { url: string; method: string; requestHeaders: Record<string, string> },
        callback: (response: { cancel?: boolean; requestHeaders?: Record<string, string> }) => void,
      ) => void,
    ): void;
  };
}

/** The part of electron-updater's AppUpdater this adapter drives (tests pass a fake). */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  disableDifferentialDownload: boolean;
  disableWebInstaller: boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdates(): Promise<{ isUpdateAvailable?: boolean; updateInfo: { version: string } } | null>;
  downloadUpdate(): Promise<string[]>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on(event: 'update-downloaded', listener: (e: { version: string; downloadedFile: string }) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  readonly netSession: UpdaterSessionLike;
}

export interface ElectronUpdaterOptions {
  /** Base URL of the enrolled sync server, or null when not enrolled (read at each download). */
  serverUrl: () => string | null;
  /** The enrolled device's request signer (key vault unlocked), or null. */
  signer: () => Promise<DeviceSigner | null>;
  /** Offline feed (default: env MAESTRO_UPDATE_DIR); when set, the server is not asked. */
  updateDir?: string | null;
  /** For the channel-file check against the server (default: global fetch). */
  fetch?: FetchFn;
  logger?: Logger;
  /** Default: electron-updater's autoUpdater, loaded on first use. */
  updater?: UpdaterLike;
}

export interface ElectronUpdater {
  /**
   * Checks electron-updater's feed against the verified offer, downloads the installer and
   * verifies it. Resolves with the status ('ready', or 'error' with the refusal).
   */
  download(): Promise<UpdateStatus>;
  /** Re-verifies the downloaded installer, then quits and installs it. */
  install(): Promise<void>;
  /** Closes the loopback feed, if one is open. */
  stop(): Promise<void>;
}

const CHANNEL_FILE_CAP = 1024 * 1024;

async function loadAutoUpdater(): Promise<UpdaterLike> {
  // CommonJS package: its exports may arrive as named exports or on `default`, depending on the bundler.
  const mod = (await import('electron-updater')) as Partial<typeof import('electron-updater')> & { default?: Partial<typeof import('electron-updater')> };
  const u: AppUpdater | undefined = mod.autoUpdater ?? mod.default?.autoUpdater;
  if (!u) throw new Error('electron-updater did not export autoUpdater');
  return u;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Serves the offer's artifact and channel file from the verified installed copy, on 127.0.0.1. */
async function loopbackFeed(getOffer: () => UpdateOffer | null, logger: Logger): Promise<{ server: Server; url: string }> {
  const token = randomBytes(16).toString('hex');
  const prefix = `/${token}/`;
  const server = createServer((req, res) => {
    const fail = (status: number): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 404 ? 'not found' : 'error');
    };
    try {
      const offer = getOffer();
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (!offer || req.method !== 'GET' || !path.startsWith(prefix)) return fail(404);
      const name = decodeURIComponent(path.slice(prefix.length));
      if (name !== offer.app.artifact && name !== offer.app.channelFile) return fail(404);
      // pathOf runs the fast check of the installed copy (a mismatch quarantines and throws).
      const file = offer.bundle.pathOf(name);
      const size = statSync(file).size;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size), 'cache-control': 'no-store' });
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch (e) {
      logger.error('update feed: cannot serve', { message: message(e) });
      fail(500);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}${prefix}` };
}

export function createElectronUpdater(updates: UpdateService, opts: ElectronUpdaterOptions): ElectronUpdater {
  const logger = opts.logger ?? silentLogger;
  const updateDir = opts.updateDir === undefined ? process.env.MAESTRO_UPDATE_DIR?.trim() || null : opts.updateDir;
  let updater: UpdaterLike | null = null;
  let local: { server: Server; url: string } | null = null;
  /** Server-feed prefix the signing hook signs for (null: sign nothing). */
  let signPrefix: string | null = null;
  let inFlight: Promise<UpdateStatus> | null = null;
  let downloaded: Promise<string> | null = null;
  let verified: { file: string; bundleId: number } | null = null;

  const fail = (e: unknown): UpdateStatus => {
    const msg = e instanceof BundleError ? `${e.code}: ${e.message}` : message(e);
    logger.error('app update refused', { message: msg, ...(e instanceof BundleError ? { refusal: e.code } : {}) });
    updates.markError(msg);
    return updates.status();
  };

  const verifyDownloaded = async (file: string, version: string): Promise<string> => {
    const offer = updates.offer();
    if (!offer || version !== offer.app.appVersion)
      refuse('BUNDLE_MIX_AND_MATCH', `electron-updater downloaded version ${version}; the verified bundle offers ${offer?.app.appVersion ?? 'nothing'}`);
    try {
      await updates.verifyArtifact(file);
    } catch (e) {
      // A refused installer must not linger where electron-updater would find it again.
      await unlink(file).catch(() => {});
      throw e;
    }
    return file;
  };

  const init = async (): Promise<UpdaterLike> => {
    if (updater) return updater;
    const u = opts.updater ?? (await loadAutoUpdater());
    u.autoDownload = false;
    // Never install behind the app's back: only install() runs an installer, after re-verifying it.
    u.autoInstallOnAppQuit = false;
    u.allowDowngrade = false;
    // Blockmaps are not bundle targets: every installer is downloaded whole and verified whole.
    u.disableDifferentialDownload = true;
    u.disableWebInstaller = true;
    u.on('update-downloaded', (e) => {
      logger.info('app update downloaded', { version: e.version });
      const p = verifyDownloaded(e.downloadedFile, e.version);
      p.catch(() => {});
      downloaded = p;
    });
    u.on('error', (e) => logger.warn('electron-updater error', { message: message(e) }));
    u.netSession.webRequest.onBeforeSendHeaders((details, callback) => {
      const prefix = signPrefix;
      if (!prefix || !details.url.startsWith(prefix)) return callback({});
      opts.signer().then(
        (s) => {
          if (!s) return callback({ cancel: true });
          const url = new URL(details.url);
          callback({ requestHeaders: { ...details.requestHeaders, ...signedGetHeaders(s, url.pathname + url.search, details.method) } });
        },
        () => callback({ cancel: true }),
      );
    });
    updater = u;
    return u;
  };

  /** The feed URL for this offer; in server mode, also checks the server's channel file. */
  const feedFor = async (offer: UpdateOffer): Promise<string> => {
    const server = updateDir ? null : opts.serverUrl();
    if (!server) {
      signPrefix = null;
      local ??= await loopbackFeed(() => updates.offer(), logger);
      return local.url;
    }
    const signer = await opts.signer();
    if (!signer)
      throw new ApiError('CONFLICT', 'Unlock the key vault first: downloading an update from the sync server needs the device key', { reason: 'locked' });
    const name = offer.bundle.info.name;
    const url = new URL(`${BUNDLES_PATH}/${name}/targets/`, server).href;
    // electron-updater will read this channel file: it must be the one the verified bundle signed.
    const expected = statSync(offer.bundle.pathOf(offer.app.channelFile)).size;
    const reader = httpReader(server, name, opts.fetch ?? fetch, { signer });
    const parts: Buffer[] = [];
    for await (const c of await reader.openTarget(offer.app.channelFile, Math.min(expected, CHANNEL_FILE_CAP))) parts.push(c);
    if (!updates.channelFileMatches(Buffer.concat(parts))) {
      refuse(
        'BUNDLE_MIX_AND_MATCH',
        `The server's ${offer.app.channelFile} is not the one in the verified app-update bundle ${offer.app.appVersion} (install the server's bundle first)`,
        { path: offer.app.channelFile },
      );
    }
    signPrefix = url;
    return url;
  };

  const run = async (): Promise<UpdateStatus> => {
    const offer = updates.offer();
    if (!offer) throw new ApiError('CONFLICT', 'No verified app-update bundle offers a newer version', { reason: 'no_update' });
    if (!updates.status().canInstall) throw new ApiError('FORBIDDEN', 'This host cannot install updates', { reason: 'host' });
    verified = null;
    downloaded = null;
    updates.markDownloading();
    try {
      const u = await init();
      u.setFeedURL({ provider: 'generic', url: await feedFor(offer) });
      const check = await u.checkForUpdates();
      if (!check) throw new ApiError('CONFLICT', 'electron-updater is inactive (the app is not packaged)', { reason: 'inactive' });
      if (check.updateInfo.version !== offer.app.appVersion || check.isUpdateAvailable === false) {
        refuse('BUNDLE_MIX_AND_MATCH', `The update feed offers ${check.updateInfo.version}; the verified bundle offers ${offer.app.appVersion}`, {
          path: offer.app.channelFile,
        });
      }
      const files = await u.downloadUpdate();
      const file = await ((downloaded as Promise<string> | null) ??
        (files[0] ? verifyDownloaded(files[0], offer.app.appVersion) : Promise.reject(new Error('electron-updater reported no downloaded file'))));
      const now = updates.offer();
      if (!now || now.bundle.id !== offer.bundle.id) refuse('BUNDLE_MIX_AND_MATCH', 'The active app-update bundle changed during the download');
      verified = { file, bundleId: offer.bundle.id };
      logger.info('app update verified', { version: offer.app.appVersion, bundleVersionId: offer.bundle.id });
      updates.markReady();
      return updates.status();
    } catch (e) {
      return fail(e);
    }
  };

  return {
    download() {
      inFlight ??= run().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },

    async install() {
      const offer = updates.offer();
      if (!verified || !offer || offer.bundle.id !== verified.bundleId || updates.status().state !== 'ready') {
        throw new ApiError('CONFLICT', 'No verified installer is ready; download the update first', { reason: 'not_ready' });
      }
      try {
        // The file sat in a user-writable cache since it was verified: check it again.
        await updates.verifyArtifact(verified.file);
      } catch (e) {
        verified = null;
        fail(e);
        throw e;
      }
      logger.info('app update installing', { version: offer.app.appVersion });
      (updater as UpdaterLike).quitAndInstall(false, true);
    },

    async stop() {
      signPrefix = null;
      const s = local?.server;
      local = null;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
