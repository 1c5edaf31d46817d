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
import { BundleError, refuse } from '../../../shared/bundles/errors';
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

/** The adapter behind createElectronUpdater: electron-updater driven by the update service's verified offer. */
class BundleCheckedUpdater implements ElectronUpdater {
  private readonly logger: Logger;
  private readonly updateDir: string | null;
  private updater: UpdaterLike | null = null;
  private local: { server: Server; url: string } | null = null;
  /** Server-feed prefix the signing hook signs for (null: sign nothing). */
  private signPrefix: string | null = null;
  private inFlight: Promise<UpdateStatus> | null = null;
  private downloaded: Promise<string> | null = null;
  private verified: { file: string; bundleId: number } | null = null;

  constructor(
    private readonly updates: UpdateService,
    private readonly opts: ElectronUpdaterOptions,
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.updateDir = opts.updateDir === undefined ? process.env.MAESTRO_UPDATE_DIR?.trim() || null : opts.updateDir;
  }

  download(): Promise<UpdateStatus> {
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async install(): Promise<void> {
    const offer = this.updates.offer();
    const verified = this.verified;
    if (!verified || !offer || offer.bundle.id !== verified.bundleId || this.updates.status().state !== 'ready') {
      throw new ApiError('CONFLICT', 'No verified installer is ready; download the update first', { reason: 'not_ready' });
    }
    try {
      // The file sat in a user-writable cache since it was verified: check it again.
      await this.updates.verifyArtifact(verified.file);
    } catch (e) {
      this.verified = null;
      this.fail(e);
      throw e;
    }
    this.logger.info('app update installing', { version: offer.app.appVersion });
    (this.updater as UpdaterLike).quitAndInstall(false, true);
  }

  async stop(): Promise<void> {
    this.signPrefix = null;
    const s = this.local?.server;
    this.local = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private fail(e: unknown): UpdateStatus {
    const msg = e instanceof BundleError ? `${e.code}: ${e.message}` : message(e);
    this.logger.error('app update refused', { message: msg, ...(e instanceof BundleError ? { refusal: e.code } : {}) });
    this.updates.markError(msg);
    return this.updates.status();
  }

  private async verifyDownloaded(file: string, version: string): Promise<string> {
    const offer = this.updates.offer();
    if (!offer || version !== offer.app.appVersion)
      refuse('BUNDLE_MIX_AND_MATCH', `electron-updater downloaded version ${version}; the verified bundle offers ${offer?.app.appVersion ?? 'nothing'}`);
    try {
      await this.updates.verifyArtifact(file);
    } catch (e) {
      // A refused installer must not linger where electron-updater would find it again.
      await unlink(file).catch(() => {});
      throw e;
    }
    return file;
  }

  private async init(): Promise<UpdaterLike> {
    if (this.updater) return this.updater;
    const u = this.opts.updater ?? (await loadAutoUpdater());
    u.autoDownload = false;
    // Never install behind the app's back: only install() runs an installer, after re-verifying it.
    u.autoInstallOnAppQuit = false;
    u.allowDowngrade = false;
    // Blockmaps are not bundle targets: every installer is downloaded whole and verified whole.
    u.disableDifferentialDownload = true;
    u.disableWebInstaller = true;
    u.on('update-downloaded', (e) => {
      this.logger.info('app update downloaded', { version: e.version });
      const p = this.verifyDownloaded(e.downloadedFile, e.version);
      p.catch(() => {});
      this.downloaded = p;
    });
    u.on('error', (e) => this.logger.warn('electron-updater error', { message: message(e) }));
    this.signServerFeed(u);
    this.updater = u;
    return u;
  }

  /** Signs electron-updater's requests under the server-feed prefix with the device key (no key: cancelled). */
  private signServerFeed(u: UpdaterLike): void {
    u.netSession.webRequest.onBeforeSendHeaders((details, callback) => {
      const prefix = this.signPrefix;
      if (!prefix || !details.url.startsWith(prefix)) return callback({});
      this.opts.signer().then(
        (s) => {
          if (!s) return callback({ cancel: true });
          const url = new URL(details.url);
          callback({ requestHeaders: { ...details.requestHeaders, ...signedGetHeaders(s, url.pathname + url.search, details.method) } });
        },
        () => callback({ cancel: true }),
      );
    });
  }

  /** The feed URL for this offer; in server mode, also checks the server's channel file. */
  private async feedFor(offer: UpdateOffer): Promise<string> {
    const server = this.updateDir ? null : this.opts.serverUrl();
    if (!server) {
      this.signPrefix = null;
      this.local ??= await loopbackFeed(() => this.updates.offer(), this.logger);
      return this.local.url;
    }
    const signer = await this.opts.signer();
    if (!signer)
      throw new ApiError('CONFLICT', 'Unlock the key vault first: downloading an update from the sync server needs the device key', { reason: 'locked' });
    const name = offer.bundle.info.name;
    const url = new URL(`${BUNDLES_PATH}/${name}/targets/`, server).href;
    await this.checkServerChannelFile(offer, server, signer);
    this.signPrefix = url;
    return url;
  }

  /** electron-updater will read the server's channel file: it must be the one the verified bundle signed. */
  private async checkServerChannelFile(offer: UpdateOffer, server: string, signer: DeviceSigner): Promise<void> {
    const expected = statSync(offer.bundle.pathOf(offer.app.channelFile)).size;
    const reader = httpReader(server, offer.bundle.info.name, this.opts.fetch ?? fetch, { signer });
    const parts: Buffer[] = [];
    for await (const c of await reader.openTarget(offer.app.channelFile, Math.min(expected, CHANNEL_FILE_CAP))) parts.push(c);
    if (!this.updates.channelFileMatches(Buffer.concat(parts))) {
      refuse(
        'BUNDLE_MIX_AND_MATCH',
        `The server's ${offer.app.channelFile} is not the one in the verified app-update bundle ${offer.app.appVersion} (install the server's bundle first)`,
        { path: offer.app.channelFile },
      );
    }
  }

  private async run(): Promise<UpdateStatus> {
    const offer = this.updates.offer();
    if (!offer) throw new ApiError('CONFLICT', 'No verified app-update bundle offers a newer version', { reason: 'no_update' });
    if (!this.updates.status().canInstall) throw new ApiError('FORBIDDEN', 'This host cannot install updates', { reason: 'host' });
    this.verified = null;
    this.downloaded = null;
    this.updates.markDownloading();
    try {
      const file = await this.fetchInstaller(offer);
      const now = this.updates.offer();
      if (!now || now.bundle.id !== offer.bundle.id) refuse('BUNDLE_MIX_AND_MATCH', 'The active app-update bundle changed during the download');
      this.verified = { file, bundleId: offer.bundle.id };
      this.logger.info('app update verified', { version: offer.app.appVersion, bundleVersionId: offer.bundle.id });
      this.updates.markReady();
      return this.updates.status();
    } catch (e) {
      return this.fail(e);
    }
  }

  /** Points electron-updater at the offer's feed, checks the version it sees, downloads and verifies the installer. */
  private async fetchInstaller(offer: UpdateOffer): Promise<string> {
    const u = await this.init();
    u.setFeedURL({ provider: 'generic', url: await this.feedFor(offer) });
    const check = await u.checkForUpdates();
    if (!check) throw new ApiError('CONFLICT', 'electron-updater is inactive (the app is not packaged)', { reason: 'inactive' });
    if (check.updateInfo.version !== offer.app.appVersion || check.isUpdateAvailable === false) {
      refuse('BUNDLE_MIX_AND_MATCH', `The update feed offers ${check.updateInfo.version}; the verified bundle offers ${offer.app.appVersion}`, {
        path: offer.app.channelFile,
      });
    }
    const files = await u.downloadUpdate();
    return (
      (this.downloaded as Promise<string> | null) ??
      (files[0] ? this.verifyDownloaded(files[0], offer.app.appVersion) : Promise.reject(new Error('electron-updater reported no downloaded file')))
    );
  }
}

export function createElectronUpdater(updates: UpdateService, opts: ElectronUpdaterOptions): ElectronUpdater {
  return new BundleCheckedUpdater(updates, opts);
}
