// Which web permissions the renderer gets (pure, no `electron` import; adapter.ts installs it). The
// baseline is "refuse everything": the one exception is location, for "Use my location" on geo fields
// of the capture form, and only for the app's own page (maestro://app, or the dev server in
// development) in its main frame. Anything else asking (another origin, a frame, an opaque origin)
// is refused, as is every other permission: camera, microphone, notifications, clipboard, USB, ...
import { isAppUrl } from './window-options';

/** The permissions granted to the app origin. Chromium may ask for the coarse location variant separately. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['geolocation', 'geolocation-approximate', 'notifications']);

export interface PermissionAsk {
  permission: string;
  /** The URL (request handler) or origin (check handler) of the frame asking. */
  requesting: string | undefined;
  /** The top-level page's origin or URL where Electron reports it; it must be the app too. */
  embedding?: string | undefined;
  /** Whether the asking frame is the main frame (undefined where Electron does not say). */
  isMainFrame?: boolean;
}

/** Grant or refuse one permission request or check. */
export function permissionDecision(ask: PermissionAsk, devServerUrl?: string): boolean {
  if (!GRANTED_PERMISSIONS.has(ask.permission)) return false;
  if (ask.isMainFrame === false) return false;
  if (!ask.requesting || !isAppUrl(ask.requesting, devServerUrl)) return false;
  if (ask.embedding !== undefined && ask.embedding !== '' && !isAppUrl(ask.embedding, devServerUrl)) return false;
  return true;
}
