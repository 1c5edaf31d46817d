// What the app knows about its own updates. The only source of truth is the active, verified
// bundle of kind `app-update`: an update is available when that bundle names an app version
// above the running one, and an installer is only ever accepted when its length and SHA-256 equal
// that bundle's signed target entry. electron-updater (src/main/app/electron/updater.ts) is only the
// download and install mechanism; it decides nothing. Plain Node: no Electron import here.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { ActiveBundle, UpdateBundles } from './ports';
import { BundleError, refuse } from '../../../shared/bundles/errors';
import type { AppUpdateInfo, UpdateStatus } from '../../../shared/bundles/types';
import { ApiError } from '../../../shared/errors';
import { compareSemver } from '../../../shared/semver';

export type UpdateHost = 'electron' | 'web';

export interface UpdateServiceDeps {
  bundles: UpdateBundles;
  /** The running app's version (package.json / app.getVersion()). */
  appVersion: string;
  host: UpdateHost;
}

/** The update on offer: a verified app-update bundle whose app version is above the running one. */
export interface UpdateOffer {
  bundle: ActiveBundle;
  app: AppUpdateInfo;
}

export interface UpdateService {
  status(): UpdateStatus;
  /** The verified app-update bundle on offer, or null. */
  offer(): UpdateOffer | null;
  /**
   * Streams a downloaded installer and checks its length and SHA-256 against the offer's signed
   * artifact target. Throws BUNDLE_LENGTH_MISMATCH (shorter), BUNDLE_TOO_LARGE (longer),
   * BUNDLE_HASH_MISMATCH, or CONFLICT when no update is on offer.
   */
  verifyArtifact(filePath: string): Promise<void>;
  /** Whether `bytes` (electron-updater's latest*.yml as fetched) equal the offer's signed channel file. */
  channelFileMatches(bytes: Uint8Array): boolean;
  /** The offer's channel file, re-hashed against its signed SHA-256; null when nothing is on offer. */
  channelFile(): Buffer | null;
  /** Download/install progress reported by the installer adapter (electron only). */
  markDownloading(): void;
  markReady(): void;
  markError(message: string): void;
  /** Called with the new status whenever it changes (bundle activation or adapter progress). */
  subscribe(listener: (s: UpdateStatus) => void): () => void;
  stop(): void;
}

export { compareSemver } from '../../../shared/semver';

const CHUNK = 1024 * 1024;

/** The downloaded installer against the offer's signed length and SHA-256; refuses (BundleError) otherwise. */
async function verifyInstaller(o: UpdateOffer, filePath: string): Promise<void> {
  const target = o.app.artifact;
  // pathOf runs the fast check on the installed copy (a mismatch quarantines and throws).
  const expectedLength = statSync(o.bundle.pathOf(target)).size;
  const expectedSha = o.bundle.sha256(target);
  const h = createHash('sha256');
  let n = 0;
  const stream = createReadStream(filePath, { highWaterMark: CHUNK });
  try {
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      n += c.length;
      if (n > expectedLength)
        refuse('BUNDLE_TOO_LARGE', `The downloaded installer is longer than the ${expectedLength} bytes signed for ${target}`, { path: target });
      h.update(c);
    }
  } finally {
    stream.destroy();
  }
  if (n !== expectedLength)
    refuse('BUNDLE_LENGTH_MISMATCH', `The downloaded installer has ${n} bytes; ${target} is signed with ${expectedLength}`, { path: target });
  if (h.digest('hex') !== expectedSha)
    refuse('BUNDLE_HASH_MISMATCH', `The downloaded installer does not match the signed SHA-256 of ${target}`, { path: target });
}

export function createUpdateService(d: UpdateServiceDeps): UpdateService {
  const listeners = new Set<(s: UpdateStatus) => void>();
  /** Adapter progress, tied to the bundle version it was for (a new bundle resets it). */
  let phase: { bundleId: number; state: 'downloading' | 'ready' | 'error'; error: string | null } | null = null;
  let lastJson = '';

  const offer = (): UpdateOffer | null => {
    let best: UpdateOffer | null = null;
    for (const b of d.bundles.activeOfKind('app-update')) {
      const app = b.info.kind === 'app-update' ? b.info.app : undefined;
      if (!app) continue;
      const newer = compareSemver(app.appVersion, d.appVersion);
      if (newer === null || newer <= 0) continue;
      if (!best || (compareSemver(app.appVersion, best.app.appVersion) ?? 0) > 0) best = { bundle: b, app };
    }
    return best;
  };

  const status = (): UpdateStatus => {
    const o = offer();
    const canInstall = d.host === 'electron';
    if (!o) return { current: d.appVersion, available: null, canInstall, state: 'none', error: null };
    const p = phase && phase.bundleId === o.bundle.id ? phase : null;
    return {
      current: d.appVersion,
      available: { version: o.app.appVersion, releaseNotes: o.app.releaseNotes, bundleVersionId: o.bundle.id },
      canInstall,
      state: p ? p.state : 'available',
      error: p ? p.error : null,
    };
  };

  const emit = (): void => {
    const s = status();
    const json = JSON.stringify(s);
    if (json === lastJson) return;
    lastJson = json;
    for (const l of listeners) l(s);
  };

  const mark = (state: 'downloading' | 'ready' | 'error', error: string | null): void => {
    const o = offer();
    phase = o ? { bundleId: o.bundle.id, state, error } : null;
    emit();
  };

  const current = (): UpdateOffer => {
    const o = offer();
    if (!o) throw new ApiError('CONFLICT', `No verified app-update bundle offers a version above ${d.appVersion}`, { reason: 'no_update' });
    return o;
  };

  const off = d.bundles.subscribe(() => emit());
  lastJson = JSON.stringify(status());

  return {
    status,
    offer,

    async verifyArtifact(filePath) {
      await verifyInstaller(current(), filePath);
    },

    channelFile() {
      const o = offer();
      return o ? o.bundle.read(o.app.channelFile) : null;
    },

    channelFileMatches(bytes) {
      const o = offer();
      if (!o) return false;
      try {
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(o.bundle.read(o.app.channelFile));
      } catch (e) {
        if (e instanceof BundleError) return false;
        throw e;
      }
    },

    markDownloading: () => mark('downloading', null),
    markReady: () => mark('ready', null),
    markError: (message) => mark('error', message),

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stop() {
      off();
      listeners.clear();
    },
  };
}
