import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initI18n } from '../../../i18n';
import { applyFix, describeFix, GeoFailure, geoRoles, holdsFix, locate, type GeolocationLike } from './geo';
import type { JsonSchema } from './json-schema';
import shippedContract from '../../../../../resources/contracts/field.inspect.site@1.2.0.json';

// The status and failure messages come from the `capture` messages (English here).
beforeAll(() => void initI18n('en'));

const num = (extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'number', ...extra });

// The shipped contract itself, so a change to its location object is caught here.
const shipped = shippedContract as unknown as { schema: JsonSchema };

describe('recognising a geo field', () => {
  it('the shipped site inspection location is one by its shape (lat, lon, accuracyM; no time field)', () => {
    expect(geoRoles(shipped.schema.properties!.location!)).toEqual({ lat: 'lat', lon: 'lon', accuracy: 'accuracyM' });
    // Nothing else in that contract is a place.
    const others = Object.entries(shipped.schema.properties!).filter(([k, s]) => k !== 'location' && geoRoles(s));
    expect(others).toEqual([]);
    expect(geoRoles(shipped.schema)).toBeNull();
  });

  it('recognises other spellings, integer accuracy and a date-time fix time, case-insensitively', () => {
    const s: JsonSchema = {
      type: 'object',
      properties: { Latitude: num(), lng: num(), accuracy: { type: 'integer' }, fixedAt: { type: 'string', format: 'date-time' }, note: { type: 'string' } },
    };
    expect(geoRoles(s)).toEqual({ lat: 'Latitude', lon: 'lng', accuracy: 'accuracy', fixedAt: 'fixedAt' });
  });

  it('needs numeric latitude and longitude; a time field must be a date-time string', () => {
    expect(geoRoles({ type: 'object', properties: { lat: num() } })).toBeNull();
    expect(geoRoles({ type: 'object', properties: { lat: { type: 'string' }, lon: num() } })).toBeNull();
    expect(geoRoles({ type: 'object' })).toBeNull();
    expect(geoRoles(num())).toBeNull();
    expect(geoRoles({ type: 'object', properties: { lat: num(), lon: num(), timestamp: { type: 'string' } } })).toEqual({ lat: 'lat', lon: 'lon' });
    expect(geoRoles({ type: ['object', 'null'], properties: { lat: num(), lon: num() } })).toEqual({ lat: 'lat', lon: 'lon' });
  });

  it('the x-maestro-widget annotation: "geo" marks a place, any other value opts out of the shape rule', () => {
    const place: JsonSchema = { type: 'object', 'x-maestro-widget': 'geo', properties: { latitude: num(), longitude: num() } };
    expect(geoRoles(place)).toEqual({ lat: 'latitude', lon: 'longitude' });
    expect(geoRoles({ ...place, 'x-maestro-widget': 'plain' })).toBeNull();
    // Annotated but without coordinates: nothing the control could fill.
    expect(geoRoles({ type: 'object', 'x-maestro-widget': 'geo', properties: { x: num(), y: num() } })).toBeNull();
  });
});

describe('filling a geo field from a fix', () => {
  const fix = { latitude: 52.520008123456, longitude: 13.404954987654, accuracy: 24.37, timestamp: Date.UTC(2026, 2, 14, 9, 30, 5) };

  it('fills latitude, longitude and accuracy, keeps the other properties, adds no time field the contract lacks', () => {
    const s = shipped.schema.properties!.location!;
    const out = applyFix({ lat: 1, extra: 'kept' }, s, geoRoles(s)!, fix);
    expect(out).toEqual({ lat: 52.5200081, lon: 13.404955, accuracyM: 24.4, extra: 'kept' });
    expect(applyFix(undefined, s, geoRoles(s)!, fix)).toEqual({ lat: 52.5200081, lon: 13.404955, accuracyM: 24.4 });
  });

  it('writes the ISO time of the fix where the contract has a fix-time field; an integer accuracy is rounded up', () => {
    const s: JsonSchema = {
      type: 'object',
      properties: { lat: num(), lon: num(), acc: num(), accuracyM: { type: 'integer' }, fixedAt: { type: 'string', format: 'date-time' } },
    };
    expect(applyFix({}, s, geoRoles(s)!, fix)).toEqual({ lat: 52.5200081, lon: 13.404955, accuracyM: 25, fixedAt: '2026-03-14T09:30:05.000Z' });
  });

  it('knows whether the value still holds the fix, and says so', () => {
    const s = shipped.schema.properties!.location!;
    const roles = geoRoles(s)!;
    const filled = applyFix({}, s, roles, fix);
    expect(holdsFix(filled, s, roles, fix)).toBe(true);
    expect(holdsFix({ ...filled, lat: 52.6 }, s, roles, fix)).toBe(false);
    expect(holdsFix(undefined, s, roles, fix)).toBe(false);
    expect(describeFix(fix, false)).toMatch(/^Location from this device: 52\.52001, 13\.40495 \(±24 m\), fixed at .*\d\d.*\.$/);
    expect(describeFix({ ...fix, accuracy: 2500 }, true)).toContain('(±2.5 km)');
    expect(describeFix(fix, true)).toContain('edited by hand since');
  });
});

/** A fake navigator.geolocation that answers the way it is told and records the options asked for. */
function fakeGeo(answer: (ok: Parameters<GeolocationLike['getCurrentPosition']>[0], fail: Parameters<GeolocationLike['getCurrentPosition']>[1]) => void) {
  const calls: unknown[] = [];
  const geo: GeolocationLike = {
    getCurrentPosition(ok, fail, opts) {
      calls.push(opts);
      answer(ok, fail);
    },
  };
  return { geo, calls };
}

describe('asking the platform for a fix', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for one fresh high-accuracy fix with a timeout and returns it', async () => {
    const { geo, calls } = fakeGeo((ok) => ok({ coords: { latitude: -33.8688, longitude: 151.2093, accuracy: 12 }, timestamp: 1_700_000_000_000 }));
    await expect(locate(geo, { timeoutMs: 5000 })).resolves.toEqual({ latitude: -33.8688, longitude: 151.2093, accuracy: 12, timestamp: 1_700_000_000_000 });
    expect(calls).toEqual([{ enableHighAccuracy: true, timeout: 5000, maximumAge: 0 }]);
  });

  it.each([
    [1, 'denied', /permission was refused/],
    [2, 'unavailable', /could not determine its location/],
    [3, 'timeout', /No location fix within 5 s/],
    [99, 'unavailable', /could not determine/],
  ])('maps platform error code %i to %s with a message that says what to do', async (code, reason, message) => {
    const { geo } = fakeGeo((_ok, fail) => fail({ code, message: 'x' }));
    const err = (await locate(geo, { timeoutMs: 5000 }).catch((e: unknown) => e)) as GeoFailure;
    expect(err).toBeInstanceOf(GeoFailure);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/type the coordinates/);
  });

  it('no API, or an API that throws, is "unsupported"', async () => {
    await expect(locate(undefined)).rejects.toMatchObject({ reason: 'unsupported' });
    const throwing: GeolocationLike = {
      getCurrentPosition() {
        throw new Error('blocked by policy');
      },
    };
    await expect(locate(throwing)).rejects.toMatchObject({ reason: 'unsupported' });
  });

  it('an impossible position is refused as unavailable', async () => {
    const { geo } = fakeGeo((ok) => ok({ coords: { latitude: 91, longitude: 0, accuracy: 5 }, timestamp: 1 }));
    await expect(locate(geo)).rejects.toMatchObject({ reason: 'unavailable' });
    const { geo: nan } = fakeGeo((ok) => ok({ coords: { latitude: NaN, longitude: 0, accuracy: 5 }, timestamp: 1 }));
    await expect(locate(nan)).rejects.toMatchObject({ reason: 'unavailable' });
  });

  it('never hangs: a platform that never answers times out at the guard; a late answer is ignored', async () => {
    vi.useFakeTimers();
    let late: (() => void) | undefined;
    const { geo } = fakeGeo((ok) => {
      late = () => ok({ coords: { latitude: 1, longitude: 2, accuracy: 3 }, timestamp: 4 });
    });
    const p = locate(geo, { timeoutMs: 1000, guardMs: 60_000 });
    const settled = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(59_999);
    let result: unknown = 'pending';
    void settled.then((r) => (result = r));
    await Promise.resolve();
    expect(result).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled).toMatchObject({ reason: 'timeout' });
    late!();
    await expect(p).rejects.toMatchObject({ reason: 'timeout' });
  });
});
