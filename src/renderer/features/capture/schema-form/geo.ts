// "Use my location" for geo fields: how a contract's object is recognised as a place, how a fix
// from the platform geolocation API fills it, and what the person is told when there is none.
// Pure (no React, no DOM globals): the control in GeoControl.tsx passes navigator.geolocation in.
import { WIDGET_ANNOTATION } from '../../../../shared/contract-annotations';
import { i18next } from '../../../i18n';
import { locale } from '../../../i18n/current';
import { isPlainObject, primaryType, type JsonSchema } from './json-schema';

/** Which property of a geo object holds what. `accuracy` and `fixedAt` only where the contract has them. */
export interface GeoRoles {
  lat: string;
  lon: string;
  accuracy?: string;
  fixedAt?: string;
}

// Property names recognised per role (compared case-insensitively).
const LAT_NAMES = ['lat', 'latitude'];
const LON_NAMES = ['lon', 'lng', 'long', 'longitude'];
const ACCURACY_NAMES = ['accuracym', 'accuracy', 'accuracymeters', 'accuracy_m', 'horizontalaccuracy'];
const FIXED_AT_NAMES = ['fixedat', 'fixed_at', 'fixtime', 'fix_time', 'timestamp'];

const isNumeric = (s: JsonSchema | undefined): boolean => !!s && (primaryType(s) === 'number' || primaryType(s) === 'integer');
const isDateTime = (s: JsonSchema | undefined): boolean => !!s && primaryType(s) === 'string' && s.format === 'date-time';

function pick(props: Record<string, JsonSchema>, names: string[], ok: (s: JsonSchema) => boolean): string | undefined {
  return Object.keys(props).find((k) => names.includes(k.toLowerCase()) && ok(props[k]!));
}

/**
 * The roles of a geo object, or null when the schema is not one. A geo object is an object with a
 * numeric latitude and longitude property (lat/latitude, lon/lng/long/longitude). The annotation
 * `"x-maestro-widget": "geo"` states the intent explicitly; any other value of the annotation
 * opts the object out (a point that is not where the device is, say a destination).
 */
export function geoRoles(s: JsonSchema): GeoRoles | null {
  if (primaryType(s) !== 'object' || !s.properties) return null;
  const widget = s[WIDGET_ANNOTATION];
  if (widget !== undefined && widget !== 'geo') return null;
  const props = s.properties;
  const lat = pick(props, LAT_NAMES, isNumeric);
  const lon = pick(props, LON_NAMES, isNumeric);
  if (!lat || !lon) return null;
  const roles: GeoRoles = { lat, lon };
  const accuracy = pick(props, ACCURACY_NAMES, isNumeric);
  const fixedAt = pick(props, FIXED_AT_NAMES, isDateTime);
  if (accuracy) roles.accuracy = accuracy;
  if (fixedAt) roles.fixedAt = fixedAt;
  return roles;
}

/** One position fix, as the platform reports it (metres, milliseconds since the epoch). */
export interface GeoFix {
  latitude: number;
  longitude: number;
  accuracy: number;
  timestamp: number;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** A number for a property: integers rounded (accuracy up: never claim a better fix than reported). */
function numberFor(s: JsonSchema | undefined, v: number, digits: number, up = false): number {
  if (s && primaryType(s) === 'integer') return up ? Math.ceil(v) : Math.round(v);
  return round(v, digits);
}

/**
 * The object value after a fix: latitude and longitude (7 decimals, about 1 cm), accuracy (0.1 m)
 * and the ISO time of the fix where the contract has those properties; other properties are kept.
 */
export function applyFix(value: unknown, s: JsonSchema, roles: GeoRoles, fix: GeoFix): Record<string, unknown> {
  const props = s.properties ?? {};
  const next: Record<string, unknown> = isPlainObject(value) ? { ...value } : {};
  next[roles.lat] = numberFor(props[roles.lat], fix.latitude, 7);
  next[roles.lon] = numberFor(props[roles.lon], fix.longitude, 7);
  if (roles.accuracy) next[roles.accuracy] = numberFor(props[roles.accuracy], fix.accuracy, 1, true);
  if (roles.fixedAt) next[roles.fixedAt] = new Date(fix.timestamp).toISOString();
  return next;
}

/** True while the object still holds the coordinates of `fix` (false once someone typed others). */
export function holdsFix(value: unknown, s: JsonSchema, roles: GeoRoles, fix: GeoFix): boolean {
  if (!isPlainObject(value)) return false;
  const want = applyFix({}, s, roles, fix);
  return value[roles.lat] === want[roles.lat] && value[roles.lon] === want[roles.lon];
}

// ---- asking the platform -------------------------------------------------------------------------

/** The part of the W3C Geolocation API used here (navigator.geolocation satisfies it). */
export interface GeolocationLike {
  getCurrentPosition(
    ok: (p: { coords: { latitude: number; longitude: number; accuracy: number }; timestamp: number }) => void,
    fail: (e: { code: number; message?: string }) => void,
    opts: { enableHighAccuracy: boolean; timeout: number; maximumAge: number },
  ): void;
}

export type GeoFailureReason = 'unsupported' | 'denied' | 'unavailable' | 'timeout';

export class GeoFailure extends Error {
  constructor(
    readonly reason: GeoFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'GeoFailure';
  }
}

/** How long to wait for a fix; a cold GPS start outdoors takes 10–30 s. */
export const GEO_TIMEOUT_MS = 30_000;
/** The platform's own timeout does not run while a permission prompt is open; this one always does. */
export const GEO_GUARD_MS = 90_000;

/** Why there is no fix, in words (the language in use), with what to do instead. */
export function geoFailureMessage(reason: GeoFailureReason, timeoutMs = GEO_TIMEOUT_MS): string {
  return i18next.t(`capture:geo.failed.${reason}`, { s: Math.round(timeoutMs / 1000) });
}

const REASON_BY_CODE: Record<number, GeoFailureReason> = { 1: 'denied', 2: 'unavailable', 3: 'timeout' };

/**
 * One high-accuracy fix (no cached position), or a GeoFailure saying why not. Never hangs: a
 * platform that calls neither callback (a prompt left open) fails with `timeout` after `guardMs`.
 */
export function locate(geo: GeolocationLike | undefined, opts: { timeoutMs?: number; guardMs?: number } = {}): Promise<GeoFix> {
  const timeoutMs = opts.timeoutMs ?? GEO_TIMEOUT_MS;
  const guardMs = opts.guardMs ?? GEO_GUARD_MS;
  if (!geo || typeof geo.getCurrentPosition !== 'function') return Promise.reject(new GeoFailure('unsupported', geoFailureMessage('unsupported')));
  return new Promise<GeoFix>((resolve, reject) => {
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      f();
    };
    const fail = (reason: GeoFailureReason) => finish(() => reject(new GeoFailure(reason, geoFailureMessage(reason, timeoutMs))));
    const guard = setTimeout(() => fail('timeout'), Math.max(guardMs, timeoutMs));
    try {
      geo.getCurrentPosition(
        (p) => {
          const { latitude, longitude, accuracy } = p.coords;
          if (![latitude, longitude, accuracy, p.timestamp].every(Number.isFinite) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
            return fail('unavailable');
          finish(() => resolve({ latitude, longitude, accuracy: Math.max(0, accuracy), timestamp: p.timestamp }));
        },
        (e) => fail(REASON_BY_CODE[e.code] ?? 'unavailable'),
        { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 },
      );
    } catch {
      // Some hosts throw synchronously where the API is blocked (an insecure context, a policy).
      fail('unsupported');
    }
  });
}

/** What the control says after a fix: the coordinates, the accuracy and the local time of the fix. */
export function describeFix(fix: GeoFix, edited: boolean): string {
  const time = new Date(fix.timestamp).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const acc =
    fix.accuracy >= 1000
      ? i18next.t('capture:geo.accuracyKm', { km: round(fix.accuracy / 1000, 1) })
      : i18next.t('capture:geo.accuracyM', { m: Math.round(fix.accuracy) });
  return i18next.t(edited ? 'capture:geo.fixEdited' : 'capture:geo.fix', { lat: fix.latitude.toFixed(5), lon: fix.longitude.toFixed(5), acc, time });
}
