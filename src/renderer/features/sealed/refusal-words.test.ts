// Bundle refusals and contract compatibility changes are codes with params (refusals.*): in English
// each reads exactly as the sentence the verifier and the schema guardian wrote before; the other
// languages have their own words.
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_REFUSAL_CODES } from '../../../shared/bundles/types';
import { refusalMessage } from '../../../shared/bundles/errors';
import { diffSchemas, type SchemaChange } from '../../../shared/contracts/schema-diff';
import { changeInWords, changeMessages } from '../../../shared/contracts/words';
import { i18next, initI18n } from '../../i18n';
import { messageText } from '../../ui/message';
import { changeText } from './bundles';

beforeAll(() => {
  initI18n('en');
});

/** The English sentences of each refusal code, as shared/bundles/types.ts BUNDLE_REFUSALS had them. */
const BEFORE: Record<string, string> = {
  BUNDLE_HASH_MISMATCH: 'A file’s SHA-256 differs from the signed targets metadata (arbitrary file).',
  BUNDLE_LENGTH_MISMATCH: 'A file is shorter than the signed targets metadata says (arbitrary file).',
  BUNDLE_TOO_LARGE: 'A file or metadata document is longer than its cap or its signed length (endless data).',
  BUNDLE_ROLLBACK: 'A role’s version is lower than the highest this device has trusted (rollback).',
  BUNDLE_EXPIRED: 'Metadata expired, judged by the device’s highest-seen time (freeze).',
  BUNDLE_MIX_AND_MATCH: 'Metadata or files from different bundle versions or bundles were combined (mix-and-match).',
  BUNDLE_THRESHOLD: 'Fewer valid signatures from the role’s keys than its threshold.',
  BUNDLE_UNKNOWN_KEY: 'Signed by a key the trusted root does not name.',
  BUNDLE_WRONG_ROLE_KEY: 'Signed by a key the root names for a different role.',
  BUNDLE_ROOT_VERSION: 'A new root is not exactly one version above the trusted root.',
  BUNDLE_PATH_UNSAFE: 'A target path escapes the bundle (.., absolute, backslash, empty segment) or names a special file.',
  BUNDLE_LINK: 'A symbolic link or a hard-linked file in the bundle.',
  BUNDLE_EXTRA_FILE: 'A file in the bundle that the signed targets metadata does not list.',
  BUNDLE_MISSING_FILE: 'A file the signed targets metadata lists is absent.',
  BUNDLE_METADATA_INVALID: 'Metadata is not JSON or does not match the schema of its role.',
  BUNDLE_KIND_MISMATCH: 'The bundle is not of the kind the caller asked for, or its content is not usable for its kind.',
  BUNDLE_TAMPERED: 'An installed file changed after it was verified (quarantined).',
  CONTRACT_NOT_COMPATIBLE: 'A new minor or patch version of a contract breaks its previous version (only a new major may break).',
};

type S = Record<string, unknown>;
const base = (): S => ({
  type: 'object',
  additionalProperties: false,
  required: ['siteId', 'condition'],
  properties: {
    siteId: { type: 'string', pattern: '^[A-Z]+$', title: 'Site ID' },
    condition: { type: 'string', enum: ['good', 'fair', 'poor'] },
    notes: { type: ['string', 'null'], maxLength: 400, format: 'email', contentMediaType: 'text/plain' },
    score: { type: 'number', minimum: 0, multipleOf: 0.5 },
    kind: { const: 'a' },
    when: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
    open: { type: 'object', properties: { a: { type: 'string' } } },
    extra: { type: 'object', additionalProperties: { type: 'string' } },
  },
});
const edit = (f: (s: S & { properties: Record<string, S> }) => void): S => {
  const s = structuredClone(base()) as S & { properties: Record<string, S> };
  f(s);
  return s;
};
/** Edits that between them make every kind of change the guardian words. */
const EDITS: ((s: S & { properties: Record<string, S> }) => void)[] = [
  (s) => (s.required = ['siteId', 'condition', 'when']),
  (s) => (s.required = ['siteId']),
  (s) => (s.required = 'siteId'),
  (s) => (s.properties.weather = { type: 'string' }),
  (s) => ((s.properties.open!.properties as S).b = { type: 'string' }),
  (s) => delete s.properties.when,
  (s) => {
    s.properties.seenAt = s.properties.when!;
    delete s.properties.when;
  },
  (s) => (s.properties.score!.type = 'integer'),
  (s) => (s.properties.when!.type = ['string', 'null']),
  (s) => (s.properties.when!.type = 5),
  (s) => (s.properties.condition!.enum = ['good']),
  (s) => (s.properties.condition!.enum = ['good', 'fair', 'poor', 'bad']),
  (s) => delete s.properties.condition!.enum,
  (s) => (s.properties.condition!.enum = 'good'),
  (s) => (s.properties.when!.enum = ['x', 'y']),
  (s) => (s.properties.when!.const = 'x'),
  (s) => (s.properties.kind!.const = 'b'),
  (s) => delete s.properties.kind!.const,
  (s) => (s.properties.score!.minimum = 1),
  (s) => (s.properties.score!.minimum = -1),
  (s) => (s.properties.score!.minimum = 'one'),
  (s) => (s.properties.notes!.maxLength = 10),
  (s) => (s.properties.score!.multipleOf = 0.25),
  (s) => (s.properties.score!.multipleOf = 1),
  (s) => delete s.properties.score!.multipleOf,
  (s) => (s.properties.when!.pattern = '^x'),
  (s) => (s.properties.siteId!.pattern = '^[A-Z]{2}$'),
  (s) => delete s.properties.siteId!.pattern,
  (s) => delete s.properties.notes!.format,
  (s) => (s.properties.notes!.contentMediaType = 'text/html'),
  (s) => delete s.properties.notes!.contentMediaType,
  (s) => delete s.properties.tags!.uniqueItems,
  (s) => (s.properties.pair!.uniqueItems = true),
  (s) => (s.properties.open!.additionalProperties = false),
  (s) => (s.additionalProperties = true),
  (s) => (s.additionalProperties = { type: 'string' }),
  (s) => (s.properties.siteId!.title = 'Site'),
  (s) => (s.properties.when!.if = { minLength: 1 }),
  (s) => (s.properties.when = false as unknown as S),
  (s) => (s.properties.when = 5 as unknown as S),
  (s) => (s.properties.open!.properties = 'x'),
  (s) => (s.properties.pair!.items = [{ type: 'string' }]),
];

describe('refusal messages', () => {
  it('each bundle refusal reads in English as BUNDLE_REFUSALS did; Swedish and Arabic have their own words', async () => {
    expect(Object.keys(BEFORE).sort()).toEqual([...BUNDLE_REFUSAL_CODES].sort());
    for (const code of BUNDLE_REFUSAL_CODES) {
      const m = refusalMessage(code, { path: 'targets/a.bin', role: 'targets' });
      await i18next.changeLanguage('en');
      expect(messageText(m)).toBe(BEFORE[code]);
      for (const lng of ['sv', 'ar']) {
        await i18next.changeLanguage(lng);
        expect(messageText(m), `${code} in ${lng}`).not.toBe(BEFORE[code]);
        expect(messageText(m), `${code} in ${lng}`).not.toBe(m.code);
      }
    }
    await i18next.changeLanguage('en');
  });

  it('every contract change reads in English as its reason did, in every form of the line; other languages differ', async () => {
    const changes: SchemaChange[] = [...EDITS.flatMap((f) => diffSchemas(base(), edit(f))), ...diffSchemas({ enum: 'x' }, { enum: ['x'] })];
    const seen = new Set(changes.map((c) => c.why.code));
    // Every change code the guardian has words for is met by the edits above (`text` is for older changes).
    const keys = Object.keys(i18next.getResource('en', 'refusals', 'change') as Record<string, string>).filter((k) => k !== 'text');
    expect([...keys.filter((k) => !seen.has(`refusals.change.${k}`))]).toEqual([]);
    await i18next.changeLanguage('en');
    for (const c of changes) {
      expect(messageText(c.why), c.kind).toBe(c.reason);
      for (const at of [{}, { contract: 'field.inspect.site@1.3.0' }, { contract: 'field.inspect.site@1.3.0', previous: 'field.inspect.site@1.2.0' }]) {
        const [line] = changeMessages([{ ...c, ...at }]);
        expect(changeText(line!)).toBe(changeInWords({ ...c, ...at }));
      }
    }
    await i18next.changeLanguage('sv');
    const sv = changes.filter((c) => messageText(c.why) === c.reason).map((c) => c.why.code);
    await i18next.changeLanguage('ar');
    const ar = changes.filter((c) => messageText(c.why) === c.reason).map((c) => c.why.code);
    await i18next.changeLanguage('en');
    // Only a keyword's own name (e.g. "multipleOf removed" in Swedish) may read the same.
    expect(sv.filter((c) => c !== 'refusals.change.multiple_removed')).toEqual([]);
    expect(ar).toEqual([]);
  });
});
