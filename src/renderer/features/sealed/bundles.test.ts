import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/errors';
import { BUNDLE_REFUSALS, type BundleVersionView } from '../../../shared/bundles/types';
import { failureOf, failureOfRefusal, failureText, groupBundles, percent, shortKeyId } from './bundles';
import { bytes, relativeTime, seconds } from '../../ui/format';
import { initI18n } from '../../i18n';

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
  it('reads a refusal from BUNDLE_REFUSED details, with its sentence', () => {
    const f = failureOf(new ApiError('BUNDLE_REFUSED', 'targets/a.json differs', { refusal: 'BUNDLE_HASH_MISMATCH', path: 'targets/a.json' }));
    expect(f).toEqual({
      code: 'BUNDLE_REFUSED',
      refusal: 'BUNDLE_HASH_MISMATCH',
      sentence: BUNDLE_REFUSALS.BUNDLE_HASH_MISMATCH,
      message: 'targets/a.json differs',
      path: 'targets/a.json',
      changes: [],
    });
    expect(failureText(f)).toContain('BUNDLE_HASH_MISMATCH: A file’s SHA-256 differs');
  });
  it('keeps other errors as code + message and ignores unknown refusal codes', () => {
    expect(failureOf(new ApiError('UNAVAILABLE', 'not enrolled'))).toMatchObject({ code: 'UNAVAILABLE', refusal: null, sentence: null });
    expect(failureOf(new ApiError('BUNDLE_REFUSED', 'x', { refusal: 'toString' })).refusal).toBeNull();
    expect(failureOf(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    expect(failureText(failureOf(new ApiError('UNAVAILABLE', 'not enrolled')))).toBe('UNAVAILABLE: not enrolled');
  });
  it('lists the breaking changes of a CONTRACT_NOT_COMPATIBLE refusal in plain words', () => {
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
          },
          {
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
    expect(f).toMatchObject({ refusal: 'CONTRACT_NOT_COMPATIBLE', sentence: BUNDLE_REFUSALS.CONTRACT_NOT_COMPATIBLE });
    expect(f.changes).toEqual([
      'field.inspect.site@1.3.0 (after 1.2.0), field /notes: field "notes" is now required: data without it is refused',
      'field.inspect.site@1.3.0 (after 1.2.0), field /condition: value(s) "unsafe" no longer accepted',
    ]);
    expect(failureText(f)).toMatch(
      /^CONTRACT_NOT_COMPATIBLE: A new minor or patch version .* Changes: field\.inspect\.site@1\.3\.0 \(after 1\.2\.0\), field \/notes/,
    );
  });
  it('turns a VerifyResult refusal into a failure', () => {
    expect(failureOfRefusal({ code: 'BUNDLE_TAMPERED', message: 'changed', path: 'targets/w.gguf' }).sentence).toBe(BUNDLE_REFUSALS.BUNDLE_TAMPERED);
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
