import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/errors';
import type { BundleVersionView } from '../../../shared/bundles/types';
import { changeText, failureOf, failureOfRefusal, failureText, groupBundles, percent, refusalFacts, shortKeyId } from './bundles';
import { bytes, errorMessage, relativeTime, seconds } from '../../ui/format';
import { i18next, initI18n } from '../../i18n';

// failureText and the state words read the messages of the language in use: English here.
beforeAll(() => {
  initI18n('en');
});

const v = (id: number, name: string, over: Partial<BundleVersionView> = {}): BundleVersionView => ({
  id,
  name,
  kind: 'policy',
  version: `1.0.${id}`,
  description: null,
  targetsVersion: id,
  state: 'verified',
  active: false,
  expires: '2030-01-01T00:00:00.000Z',
  signers: [],
  files: 1,
  bytes: 10,
  installedAt: `2026-01-0${id}T00:00:00.000Z`,
  source: '/x',
  verifiedAt: '2026-01-01T00:00:00.000Z',
  quarantine: null,
  model: null,
  app: null,
  ...over,
});

describe('bundle failures', () => {
  it('reads a refusal from BUNDLE_REFUSED details: its code, and its message with the details as params', () => {
    const f = failureOf(new ApiError('BUNDLE_REFUSED', 'targets/a.json differs', { refusal: 'BUNDLE_HASH_MISMATCH', path: 'targets/a.json' }));
    expect(f).toEqual({
      code: 'BUNDLE_REFUSED',
      refusal: 'BUNDLE_HASH_MISMATCH',
      reason: { code: 'refusals.bundle.BUNDLE_HASH_MISMATCH', params: { path: 'targets/a.json' } },
      message: expect.any(String) as string,
      path: 'targets/a.json',
      changes: [],
    });
    // The sentence in the language in use, not the developer's text.
    expect(failureText(f)).toBe('BUNDLE_HASH_MISMATCH: A file’s SHA-256 differs from the signed targets metadata (arbitrary file). (targets/a.json)');
  });
  it('keeps other errors as code + their words and ignores unknown refusal codes', () => {
    const unavailable = new ApiError('UNAVAILABLE', 'not enrolled');
    expect(failureOf(unavailable)).toMatchObject({ code: 'UNAVAILABLE', refusal: null, reason: null, message: errorMessage(unavailable) });
    expect(failureOf(new ApiError('BUNDLE_REFUSED', 'x', { refusal: 'toString' })).refusal).toBeNull();
    expect(failureOf(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    expect(failureText(failureOf(unavailable))).toBe(`UNAVAILABLE: ${errorMessage(unavailable)}`);
  });
  it('lists the breaking changes of a CONTRACT_NOT_COMPATIBLE refusal in plain words, in the language in use', async () => {
    const f = failureOf(
      new ApiError('BUNDLE_REFUSED', 'field.inspect.site@1.3.0 (after field.inspect.site@1.2.0): 2 breaking change(s)', {
        refusal: 'CONTRACT_NOT_COMPATIBLE',
        changes: [
          {
            contract: 'field.inspect.site@1.3.0',
            previous: 'field.inspect.site@1.2.0',
            path: '/notes',
            kind: 'required-added',
            before: false,
            after: true,
            reason: 'field "notes" is now required: data without it is refused',
            why: { code: 'refusals.change.required_added', params: { field: 'notes' } },
          },
          {
            // From a version before messages: its English reason, as it is.
            contract: 'field.inspect.site@1.3.0',
            previous: 'field.inspect.site@1.2.0',
            path: '/condition',
            kind: 'enum-narrowed',
            before: ['unsafe'],
            after: null,
            reason: 'value(s) "unsafe" no longer accepted',
          },
        ],
      }),
    );
    expect(f).toMatchObject({ refusal: 'CONTRACT_NOT_COMPATIBLE', reason: { code: 'refusals.bundle.CONTRACT_NOT_COMPATIBLE' } });
    expect(f.changes.map(changeText)).toEqual([
      'field.inspect.site@1.3.0 (after 1.2.0), field /notes: field "notes" is now required: data without it is refused',
      'field.inspect.site@1.3.0 (after 1.2.0), field /condition: value(s) "unsafe" no longer accepted',
    ]);
    expect(failureText(f)).toMatch(
      /^CONTRACT_NOT_COMPATIBLE: A new minor or patch version .* Changes: field\.inspect\.site@1\.3\.0 \(after 1\.2\.0\), field \/notes/,
    );
    await i18next.changeLanguage('sv');
    try {
      expect(changeText(f.changes[0]!)).toBe(
        'field.inspect.site@1.3.0 (efter 1.2.0), fältet /notes: fältet "notes" är nu obligatoriskt: data utan det avvisas',
      );
    } finally {
      await i18next.changeLanguage('en');
    }
  });
  it('turns a VerifyResult refusal into a failure, with its message or one made from its code', () => {
    const reason = { code: 'refusals.bundle.BUNDLE_TAMPERED', params: { path: 'targets/w.gguf' } };
    expect(failureOfRefusal({ code: 'BUNDLE_TAMPERED', message: 'changed', path: 'targets/w.gguf', reason }).reason).toEqual(reason);
    expect(failureOfRefusal({ code: 'BUNDLE_TAMPERED', message: 'changed', path: 'targets/w.gguf' }).reason).toEqual(reason);
  });
  it('says what the params add: role, versions, signatures, key', () => {
    expect(
      refusalFacts({ code: 'refusals.bundle.BUNDLE_ROLLBACK', params: { role: 'timestamp', version: 3, seen: 5, path: 'metadata/timestamp.json' } }),
    ).toEqual(['Role: timestamp', 'Version 3; this device has already trusted version 5.']);
    expect(refusalFacts({ code: 'refusals.bundle.BUNDLE_THRESHOLD', params: { role: 'targets', valid: 1, threshold: 2 } })).toEqual([
      'Role: targets',
      'Valid signatures: 1 of 2 required.',
    ]);
    expect(refusalFacts({ code: 'refusals.bundle.BUNDLE_UNKNOWN_KEY', params: { keyid: 'ab12' } })).toEqual(['Key: ab12']);
    expect(refusalFacts(null)).toEqual([]);
  });
});

describe('grouping and labels', () => {
  it('groups by name, active first, then newest install', () => {
    const g = groupBundles([v(1, 'b'), v(2, 'a'), v(3, 'a', { active: true }), v(4, 'a')]);
    expect(g.map((x) => x.name)).toEqual(['a', 'b']);
    expect(g[0]!.versions.map((x) => x.id)).toEqual([3, 4, 2]);
  });
  it('formats keyids, percentages, sizes and times', () => {
    expect(shortKeyId('abcdef0123456789')).toBe('abcdef01');
    expect(percent(50, 200)).toBe(25);
    expect(percent(5, 0)).toBe(0);
    expect(bytes(3 * 1024 ** 3)).toBe('3.00 GiB');
    expect(seconds(42)).toBe('42 s');
    expect(seconds(185)).toBe('3 min 5 s');
    expect(seconds(7260)).toBe('2 h 1 min');
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    expect(relativeTime('2026-01-04T00:00:00.000Z', now)).toMatch(/3 days/);
    expect(relativeTime('2025-12-31T22:00:00.000Z', now)).toMatch(/2 hours ago/);
    expect(relativeTime('nonsense', now)).toBe('—');
  });
});
