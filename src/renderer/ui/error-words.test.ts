// API errors and stored sync errors in the user's language: the English words are the sentences the
// UI showed before (the e2e suite matches some), other languages differ, an unknown reason falls back
// to its code's generic words, and no raw key ever shows.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { initI18n, i18next } from '../i18n';
import { ApiError, type ErrorCode } from '../../shared/errors';
import { apiErrorMessage, withCause } from '../../shared/error-messages';
import { msg } from '../../shared/messages';
import { apiErrorText, storedErrorText } from './error-words';
import { errorMessage } from './format';

initI18n('en');
beforeEach(async () => {
  await i18next.changeLanguage('en');
});
afterAll(async () => {
  await i18next.changeLanguage('en');
});

const e = (code: ErrorCode, details?: unknown) => new ApiError(code, `developer text for ${code}`, details);

/** [error, its English words]. */
const TABLE: [ApiError, string][] = [
  [e('VALIDATION_ERROR'), 'The request was not valid.'],
  [
    e('VALIDATION_ERROR', [
      { path: '/siteId', keyword: 'pattern', message: 'must match pattern' },
      { path: '/lat', keyword: 'maximum', message: 'must be <= 90' },
    ]),
    'The request was not valid (the first problem is at /siteId).',
  ],
  [e('VALIDATION_ERROR', { reason: 'malformed_text', path: '/note' }), 'Text at /note is not valid Unicode (a lone surrogate)'],
  [e('NOT_FOUND', { reason: 'outbox_item', id: '01J' }), 'This outbox item no longer exists.'],
  [
    e('NOT_FOUND', { reason: 'not_a_sync_server', origin: 'https://example.org', status: 404 }),
    'https://example.org answered, but it is not a Maestro sync server (HTTP 404). Check the address your admin gave you.',
  ],
  [e('FORBIDDEN', { reason: 'role', role: 'field' }), 'Your role does not allow this.'],
  [e('FORBIDDEN', { reason: 'tenant' }), 'Admins can create tokens for their own tenant only'],
  [e('FORBIDDEN', { reason: 'four_eyes' }), 'Four eyes: nobody decides a run they started themselves.'],
  // memory.e2e matches "reads like instructions to the assistant".
  [
    e('FORBIDDEN', { reason: 'injection_suspected', action: 'save', families: ['override'] }),
    'This text reads like instructions to the assistant, so it was not saved to memory: the assistant reads memory in every step. If it is an ordinary note, reword it.',
  ],
  [
    e('FORBIDDEN', { reason: 'injection_suspected', action: 'pin' }),
    'This text reads like instructions to the assistant, so it was not pinned in memory: the assistant reads memory in every step. If it is an ordinary note, reword it.',
  ],
  [
    e('FORBIDDEN', { reason: 'enrollment_refused', serverCode: 'UNAUTHORIZED', serverReason: 'enrollment_token' }),
    'Enrollment refused: Enrollment token is invalid, used or expired',
  ],
  [
    e('CONFLICT', { reason: 'tenant_mismatch', tokenTenant: 'acme', profileTenant: 'globex' }),
    'The token is for tenant "acme" but this device\'s profile is tenant "globex"',
  ],
  [e('CONFLICT', { reason: 'key_missing', store: 'vault' }), 'The device signing key is missing from the vault; re-enroll this device'],
  [e('CONFLICT', { reason: 'core_full', quota: 1 }), 'Core memory is full (1 item): unpin or delete one first'],
  // audit.e2e matches "access token".
  [e('UNAUTHORIZED', { reason: 'no_token' }), 'Open the link printed by the web host (it carries the access token).'],
  [e('UNAUTHORIZED', { reason: 'revoked_device' }), 'Device has been revoked'],
  [e('PAYLOAD_TOO_LARGE', { reason: 'body_size', maxBytes: 1048576 }), 'Request body exceeds 1,048,576 bytes'],
  [e('RATE_LIMITED', { reason: 'device_rate', retryAfterMs: 2500 }), 'Too many requests from this device: try again in 3 seconds.'],
  [e('RATE_LIMITED', { reason: 'device_rate', retryAfterMs: 400 }), 'Too many requests from this device: try again in 1 second.'],
  [e('UNAVAILABLE', { reason: 'http', status: 502 }), 'The sync server answered HTTP 502'],
  [
    e('QUOTA_EXCEEDED', { reason: 'quota', quotaBytes: 5000, usedBytes: 4000, size: 2000 }),
    "The tenant's attachment quota is 5,000 bytes; 4,000 are used and this file needs 2,000 more",
  ],
  // backup.e2e matches "The passphrase does not open this backup."
  [e('BACKUP_REFUSED', { reason: 'wrong_passphrase' }), 'The passphrase does not open this backup.'],
  [e('BACKUP_REFUSED', { reason: 'tampered' }), 'This backup file was changed or damaged after it was written. Use another copy.'],
  [e('BACKUP_REFUSED', { reason: 'truncated', index: 3 }), 'This backup file is incomplete (it was cut short while copying). Use a complete copy.'],
  [e('LOCKED', { reason: 'keystore_locked', vault: 'new' }), 'Maestro is locked: choose a vault passphrase to start'],
  [e('LOCKED', { reason: 'keystore_locked', vault: 'existing' }), 'Maestro is locked: enter the vault passphrase to open it'],
  [e('INTERNAL'), 'Something went wrong inside Maestro. Try again; if it keeps happening, the log has the details.'],
  [e('INTERNAL', { reason: 'unreachable', error: 'Failed to fetch' }), 'Cannot reach the Maestro service: Failed to fetch'],
  [e('BUNDLE_REFUSED', { refusal: 'NO_SUCH_REFUSAL_CODE', path: 'x' }), 'The bundle was refused: it did not pass verification.'],
];

describe('API errors in words', () => {
  it('English: each code and reason in its words, with the details as params', () => {
    for (const [err, words] of TABLE) expect(errorMessage(err), `${err.code} ${JSON.stringify(err.details)}`).toBe(words);
  });

  it('Swedish and Arabic: other words than English for every case, numbers still in them, never a raw key', async () => {
    const english = TABLE.map(([err]) => apiErrorText(err));
    for (const l of ['sv', 'ar'] as const) {
      await i18next.changeLanguage(l);
      TABLE.forEach(([err], i) => {
        const text = apiErrorText(err);
        expect(text, `${l} ${err.code} ${JSON.stringify(err.details)}`).not.toBe(english[i]);
        expect(text).not.toMatch(/errors[.:]|developer text/);
      });
    }
    await i18next.changeLanguage('sv');
    expect(apiErrorText(e('RATE_LIMITED', { reason: 'device_rate', retryAfterMs: 2500 }))).toBe(
      'För många förfrågningar från enheten: försök igen om 3 sekunder.',
    );
  });

  it('an unknown reason, or a reason whose params are missing, falls back to the code’s generic words', () => {
    expect(apiErrorText(e('NOT_FOUND', { reason: 'a_reason_from_a_newer_server' }))).toBe(
      'Not found: it may have been removed, or not have reached this device yet.',
    );
    expect(apiErrorText(e('RATE_LIMITED', { reason: 'device_rate' }))).toBe('Too many requests: wait a moment, then try again.');
    expect(apiErrorText(e('FORBIDDEN', { reason: 'bad reason!' }))).toBe('This is not allowed.');
  });

  it('a bundle refusal uses the refusals namespace’s words for its refusal code when there are some', () => {
    i18next.addResource('en', 'refusals', 'bundle.TEST_ONLY_REFUSAL', 'Refused for the test: {path}');
    expect(apiErrorText(e('BUNDLE_REFUSED', { refusal: 'TEST_ONLY_REFUSAL', path: 'targets/model.onnx' }))).toBe('Refused for the test: targets/model.onnx');
  });

  it('an error that says itself as messages shows them; any other error keeps its message', () => {
    i18next.addResource('en', 'errors', 'TEST_ONLY.first', 'First {n}.');
    const said = e('FORBIDDEN', { reason: 'risk', messages: [msg('errors.TEST_ONLY.first', { n: 1 }), msg('errors.sync.rate_limited')] });
    expect(apiErrorText(said)).toBe('First 1. The server asked us to slow down; retrying later');
    expect(errorMessage(new Error('plain'))).toBe('plain');
    expect(errorMessage('text')).toBe('text');
  });
});

describe('stored sync errors in words', () => {
  it('a stored message in words, its cause inside; a plain sentence from before as it is', async () => {
    const revoked = apiErrorMessage({ code: 'UNAUTHORIZED', message: 'Device has been revoked', details: { reason: 'revoked_device' } }, true);
    expect(storedErrorText(withCause(msg('errors.sync.device_refused'), revoked))).toBe('Server refused this device: Device has been revoked');
    const quota = apiErrorMessage({ code: 'QUOTA_EXCEEDED', details: { reason: 'quota', quotaBytes: 10, usedBytes: 8, size: 5 } });
    expect(storedErrorText(withCause(msg('errors.sync.attachment_refused', { name: 'big.jpg' }), quota))).toBe(
      'Not synced: its attachment "big.jpg" was refused — The tenant\'s attachment quota is 10 bytes; 8 are used and this file needs 5 more',
    );
    expect(storedErrorText(msg('errors.sync.contract_required', { required: 'site@2.0.0', contract: 'site@1.2.0' }))).toBe(
      'The server now requires site@2.0.0; this item was captured under site@1.2.0. Update the app, then retry or re-capture it.',
    );
    expect(storedErrorText('server unreachable')).toBe('server unreachable');
    await i18next.changeLanguage('fr');
    expect(storedErrorText(withCause(msg('errors.sync.device_refused'), revoked))).toBe('Le serveur a refusé cet appareil : L’appareil a été révoqué');
  });

  it('a code this build has no words for shows the server’s English, else the code, never a blank', () => {
    expect(storedErrorText(apiErrorMessage({ code: 'BRAND_NEW_CODE', message: 'Something new happened', details: { reason: 'x' } }, true))).toBe(
      'Something new happened',
    );
    expect(storedErrorText(msg('errors.BRAND_NEW_CODE._'))).toBe('errors.BRAND_NEW_CODE._');
    expect(storedErrorText(msg('errors.sync.a_newer_sync_error'))).toBe('Sync failed.');
  });
});
