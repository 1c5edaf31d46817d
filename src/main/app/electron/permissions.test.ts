import { describe, expect, it } from 'vitest';
import { permissionDecision } from './permissions';

const APP = 'maestro://app/index.html';
const DEV = 'http://localhost:5173';

describe('Electron permission decisions', () => {
  it('grants location to the app page in its main frame (request: URL; check: origin)', () => {
    expect(permissionDecision({ permission: 'geolocation', requesting: APP, embedding: APP, isMainFrame: true })).toBe(true);
    expect(permissionDecision({ permission: 'geolocation', requesting: 'maestro://app', embedding: 'maestro://app', isMainFrame: true })).toBe(true);
    expect(permissionDecision({ permission: 'geolocation-approximate', requesting: 'maestro://app', isMainFrame: true })).toBe(true);
    // A check without an embedding origin (Electron leaves it out for the top frame).
    expect(permissionDecision({ permission: 'geolocation', requesting: 'maestro://app', embedding: undefined })).toBe(true);
  });

  it('grants notifications to the app page in its main frame only (decision 0028)', () => {
    expect(permissionDecision({ permission: 'notifications', requesting: APP, embedding: APP, isMainFrame: true })).toBe(true);
    expect(permissionDecision({ permission: 'notifications', requesting: 'maestro://app', embedding: undefined })).toBe(true);
    expect(permissionDecision({ permission: 'notifications', requesting: 'https://evil.example/', embedding: APP, isMainFrame: true })).toBe(false);
    expect(permissionDecision({ permission: 'notifications', requesting: APP, embedding: APP, isMainFrame: false })).toBe(false);
    expect(permissionDecision({ permission: 'Notifications', requesting: APP, embedding: APP, isMainFrame: true })).toBe(false);
  });

  it('refuses location to any other origin, to frames, and to a missing or malformed origin', () => {
    for (const requesting of [
      'https://evil.example/',
      'http://127.0.0.1:8787/',
      'file:///etc/passwd',
      'maestro://other/',
      'null',
      '',
      undefined,
      'not a url',
    ]) {
      expect(permissionDecision({ permission: 'geolocation', requesting, embedding: APP, isMainFrame: true }), String(requesting)).toBe(false);
    }
    expect(permissionDecision({ permission: 'geolocation', requesting: APP, embedding: APP, isMainFrame: false })).toBe(false);
    // The app's origin asking from inside someone else's page.
    expect(permissionDecision({ permission: 'geolocation', requesting: APP, embedding: 'https://evil.example', isMainFrame: true })).toBe(false);
  });

  it('refuses every other permission, even to the app', () => {
    const others = [
      'media',
      'clipboard-read',
      'clipboard-sanitized-write',
      'display-capture',
      'midi',
      'midiSysex',
      'hid',
      'serial',
      'usb',
      'openExternal',
      'fullscreen',
      'pointerLock',
      'idle-detection',
      'storage-access',
      'window-management',
      'local-fonts',
      'unknown',
      'Geolocation',
      '',
    ];
    for (const permission of others) expect(permissionDecision({ permission, requesting: APP, embedding: APP, isMainFrame: true }), permission).toBe(false);
  });

  it('in development the dev server origin is the app (and only that origin)', () => {
    expect(permissionDecision({ permission: 'geolocation', requesting: `${DEV}/`, embedding: DEV, isMainFrame: true }, DEV)).toBe(true);
    expect(permissionDecision({ permission: 'geolocation', requesting: 'http://localhost:5174/', isMainFrame: true }, DEV)).toBe(false);
    // Without a dev server the same origin is refused.
    expect(permissionDecision({ permission: 'geolocation', requesting: `${DEV}/`, embedding: DEV, isMainFrame: true })).toBe(false);
    expect(permissionDecision({ permission: 'media', requesting: `${DEV}/`, embedding: DEV, isMainFrame: true }, DEV)).toBe(false);
  });
});
