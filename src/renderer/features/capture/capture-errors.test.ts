// The capture feature's refusals (file too large, a broken upload, a photo whose location cannot be
// removed) in the user's language: in English the sentence the API error carried, in Swedish Swedish.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { initI18n, i18next } from '../../i18n';
import { ApiError, type ErrorCode } from '../../../shared/errors';
import { errorMessage } from '../../ui/format';

initI18n('en');
beforeEach(async () => {
  await i18next.changeLanguage('en');
});
afterAll(async () => {
  await i18next.changeLanguage('en');
});

/** [code, English message (the developer's text, as main/features/capture writes it), details]. */
const ERRORS: [ErrorCode, string, Record<string, unknown>][] = [
  [
    'VALIDATION_ERROR',
    'This file is 3 MiB; files here are limited to 2 MiB.',
    { reason: 'file_too_large', sizeMiB: 3, maxMiB: 2, size: 3145728, maxBytes: 2097152 },
  ],
  ['VALIDATION_ERROR', 'This file is 2.5 MiB; files here are limited to 2 MiB.', { reason: 'file_too_large', sizeMiB: 2.5, maxMiB: 2 }],
  ['VALIDATION_ERROR', 'Empty attachment', { reason: 'empty_attachment' }],
  ['VALIDATION_ERROR', 'Chunk 3 arrived damaged (digest mismatch); send it again', { reason: 'chunk_damaged', index: 3 }],
  ['VALIDATION_ERROR', 'Expected chunk 2, got 4', { reason: 'chunk_order', expected: 2, index: 4 }],
  [
    'VALIDATION_ERROR',
    'Chunk 1 has 10 bytes; chunks carry 4194304 bytes (the last one the rest)',
    { reason: 'chunk_size', index: 1, bytes: 10, chunkBytes: 4194304 },
  ],
  ['VALIDATION_ERROR', 'Only 100 of 2000 bytes received; send chunk 1 next', { reason: 'upload_incomplete', received: 100, size: 2000, next: 1 }],
  ['VALIDATION_ERROR', 'The file does not match its digest; nothing was stored', { reason: 'file_digest' }],
  [
    'VALIDATION_ERROR',
    "This HEIC/HEIF/AVIF photo's metadata could not be read (iloc version 3), so its location could not be removed; it was not stored. Convert it to JPEG and attach it again.",
    { reason: 'location_unreadable', why: 'iloc version 3' },
  ],
  ['NOT_FOUND', 'No such upload (it finished, was aborted, or the app restarted): begin again', { reason: 'upload' }],
  ['CONFLICT', 'At most 8 files can be on their way in at once', { reason: 'too_many_uploads', max: 8 }],
  ['CONFLICT', 'Chunk 2 differs from the one already received', { reason: 'chunk_differs', index: 2 }],
  ['CONFLICT', 'This upload is already being stored', { reason: 'upload_busy' }],
];

describe('capture errors in words', () => {
  it('English reads as the API error’s own sentence', () => {
    for (const [code, english, details] of ERRORS) expect(errorMessage(new ApiError(code, english, details)), english).toBe(english);
  });

  it('Swedish says each in Swedish', async () => {
    await i18next.changeLanguage('sv');
    for (const [code, english, details] of ERRORS) expect(errorMessage(new ApiError(code, english, details)), english).not.toBe(english);
    expect(errorMessage(new ApiError('VALIDATION_ERROR', 'x', { reason: 'file_too_large', sizeMiB: 2.5, maxMiB: 2 }))).toBe(
      'Filen är 2,5 MiB; filer här får vara högst 2 MiB.',
    );
  });

  it('a draft that no longer exists, and an attachment not on this device, say so', () => {
    expect(errorMessage(new ApiError('NOT_FOUND', 'No draft d1', { reason: 'draft' }))).toBe('This draft no longer exists.');
    expect(errorMessage(new ApiError('NOT_FOUND', 'No attachment ab', { reason: 'attachment' }))).toBe(
      'This attachment has not reached this device yet: sync, then try again.',
    );
  });
});
