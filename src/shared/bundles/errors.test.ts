import { describe, expect, it } from 'vitest';
import { BundleError, refusalMessage } from './errors';

describe('bundle refusals as codes', () => {
  it('a refusal is a message: refusals.bundle.<CODE> with its scalar details as params', () => {
    const e = new BundleError('BUNDLE_ROLLBACK', 'timestamp.json is version 3; this device has already trusted version 5', {
      role: 'timestamp',
      path: 'metadata/timestamp.json',
      version: 3,
      seen: 5,
      changes: [{ path: '/x' }],
    });
    expect(e.toMessage()).toEqual({
      code: 'refusals.bundle.BUNDLE_ROLLBACK',
      params: { role: 'timestamp', path: 'metadata/timestamp.json', version: 3, seen: 5 },
    });
    expect(refusalMessage('BUNDLE_TAMPERED')).toEqual({ code: 'refusals.bundle.BUNDLE_TAMPERED' });
    expect(refusalMessage('BUNDLE_TAMPERED', { path: null, n: Number.NaN })).toEqual({ code: 'refusals.bundle.BUNDLE_TAMPERED' });
  });

  it('over the API: BUNDLE_REFUSED with the code and the details, no English description', () => {
    const api = new BundleError('BUNDLE_HASH_MISMATCH', 'targets/a.bin does not match its signed SHA-256', { path: 'a.bin' }).toApiError();
    expect(api.code).toBe('BUNDLE_REFUSED');
    expect(api.details).toEqual({ refusal: 'BUNDLE_HASH_MISMATCH', path: 'a.bin' });
    // The developer's text stays the message, for logs.
    expect(api.message).toBe('targets/a.bin does not match its signed SHA-256');
  });
});
