import { isIP } from 'node:net';
import { timingSafeEqual } from 'node:crypto';

export function isLoopbackAddress(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1';
  return false;
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** tokensEqual against one fixed token, its bytes encoded once (the web host checks it on every call). */
export function tokenChecker(token: string): (given: string) => boolean {
  const want = Buffer.from(token);
  return (given) => {
    const got = Buffer.from(given);
    return got.length === want.length && timingSafeEqual(got, want);
  };
}

/** Content-Security-Policy for the renderer, the same in Electron and on the web host. */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Permissions-Policy for the renderer, the same in Electron and on the web host: the page may ask
 * for location (the capture form's "Use my location"), and no frame or feature may ask for anything
 * else. Electron's permission handler (app/electron/permissions.ts) enforces the same set.
 */
export const RENDERER_PERMISSIONS_POLICY = [
  'geolocation=(self)',
  'camera=()',
  'microphone=()',
  'display-capture=()',
  'usb=()',
  'serial=()',
  'hid=()',
  'midi=()',
  'payment=()',
  'clipboard-read=()',
].join(', ');
