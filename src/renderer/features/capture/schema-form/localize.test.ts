import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { i18next, initI18n } from '../../../i18n';
import type { ContractDoc } from '../../../../shared/api/types';
import shipped from '../../../../../resources/contracts/field.inspect.site@1.2.0.json';
import { contractWords, localizeSchema } from './localize';
import { clientErrors, serverErrors } from './field-errors';
import { labelAt, type JsonSchema } from './json-schema';

beforeAll(() => void initI18n('en'));
afterAll(() => void i18next.changeLanguage('en'));

const site = shipped.schema as unknown as JsonSchema;

/** A contract whose plain words are French (`x-maestro-locale: fr`), translated in parts. */
const french: JsonSchema = {
  type: 'object',
  'x-maestro-locale': 'fr',
  properties: {
    // every level of the chain present: the most specific wins
    a: { type: 'string', title: 'Titre', 'x-maestro-i18n': { 'pt-BR': { title: 'BR' }, pt: { title: 'PT' }, fr: { title: 'FR' } } },
    // no French entry: the plain title is the contract's default
    b: { type: 'string', title: 'Nom', 'x-maestro-i18n': { sv: { title: 'Namn', description: 'Ditt namn', help: 'Som i passet' } } },
    c: {
      type: 'integer',
      enum: [1, 2, 3],
      'x-maestro-i18n': { sv: { enum: { '1': 'ett', '3': 'tre' } }, fr: { enum: { '1': 'un', '2': 'deux', '3': 'trois' } } },
    },
    d: { type: 'string' },
  },
};

const props = (s: JsonSchema) => s.properties!;

describe('contract words in the user’s language (x-maestro-i18n)', () => {
  it('falls back: the language, its base language, the contract’s default locale, the plain title', () => {
    expect(props(localizeSchema(french, 'pt-BR')).a!.title).toBe('BR');
    expect(props(localizeSchema(french, 'pt-PT')).a!.title).toBe('PT');
    expect(props(localizeSchema(french, 'de')).a!.title).toBe('FR');
    expect(props(localizeSchema(french, 'de')).b!.title).toBe('Nom');
    expect(props(localizeSchema(french, 'sv')).b).toMatchObject({ title: 'Namn', description: 'Ditt namn', help: 'Som i passet' });
    expect(props(localizeSchema(french, 'sv-FI')).b!.title).toBe('Namn');
    // no title anywhere: none (the form shows the key)
    expect(props(localizeSchema(french, 'sv')).d!.title).toBeUndefined();
    expect(labelAt(localizeSchema(french, 'sv'), '/d')).toBe('d');
  });

  it('labels enum values and keeps the values', () => {
    const sv = props(localizeSchema(french, 'sv')).c!;
    expect(sv.enum).toEqual([1, 2, 3]);
    // Swedish where it has a label, then the contract's default (French) for the one it lacks
    expect(sv.enumLabels).toEqual(['ett', 'deux', 'tre']);
    expect(props(localizeSchema(french, 'en')).c!.enumLabels).toEqual(['un', 'deux', 'trois']);
    const noLabels = localizeSchema({ type: 'object', properties: { e: { type: 'string', enum: ['x', 'y'] } } }, 'sv');
    expect(props(noLabels).e!.enumLabels).toBeUndefined();
    // unlabelled values show as they are
    const partial = localizeSchema(
      { type: 'object', properties: { e: { type: 'string', enum: ['x', 'y'], 'x-maestro-i18n': { sv: { enum: { y: 'Y!' } } } } } },
      'sv',
    );
    expect(props(partial).e!.enumLabels).toEqual(['x', 'Y!']);
  });

  it('translates the shipped site inspection contract, nested fields and list items included', () => {
    const sv = localizeSchema(site, 'sv');
    expect(labelAt(sv, '/location/lat')).toBe('Plats › Latitud');
    expect(labelAt(sv, '/findings/1/severity')).toBe('Fynd 2 › Allvarlighetsgrad');
    expect(props(sv).condition!.enumLabels).toEqual(['Bra', 'Godtagbart', 'Dåligt', 'Osäkert']);
    expect(props(sv).condition!.enum).toEqual(['good', 'fair', 'poor', 'unsafe']);
    expect(props(sv).siteId!.help).toMatch(/versaler/);
    for (const l of ['fr', 'es', 'sw', 'ar']) {
      const s = localizeSchema(site, l);
      expect(props(s).siteId!.title).not.toBe('Site ID');
      expect(props(s).condition!.enumLabels).toHaveLength(4);
      expect(props(props(s).findings!.items!).severity!.enumLabels).toHaveLength(4);
    }
  });

  it('leaves English as it was: the plain words, no help, no enum labels', () => {
    const en = localizeSchema(site, 'en');
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k]) => k !== 'x-maestro-i18n')
                .map(([k, x]) => [k, strip(x)]),
            )
          : v;
    expect(en).toEqual(strip(site));
    expect(JSON.stringify(en)).not.toMatch(/"help"|"enumLabels"/);
    expect(localizeSchema(site, 'en')).toBe(en);
  });

  it('picks the contract’s own title and description', () => {
    const doc = shipped as unknown as ContractDoc;
    expect(contractWords(doc, 'en')).toEqual({ title: 'Site inspection', description: doc.description });
    expect(contractWords(doc, 'sv').title).toBe('Platsinspektion');
    expect(contractWords(doc, 'ar').description).toMatch(/تفتيش/);
    expect(contractWords({ ...doc, schema: { type: 'object' } }, 'sv')).toEqual({ title: 'Site inspection', description: doc.description });
  });
});

describe('author messages in the user’s language', () => {
  const form: JsonSchema = {
    type: 'object',
    required: ['depth'],
    properties: {
      depth: {
        type: 'number',
        maximum: 100,
        'x-maestro-messages': { maximum: { en: 'Too deep', sv: 'För djupt' }, required: 'Say how deep' },
        'x-maestro-i18n': { sv: { messages: { required: 'Ange djupet' } }, fr: { messages: { maximum: 'Trop profond' } } },
      },
    },
  };

  it('x-maestro-i18n messages first, then per-locale x-maestro-messages, then the plain text', () => {
    const msgs = (lang: string) => props(localizeSchema(form, lang)).depth!['x-maestro-messages'];
    expect(msgs('sv')).toEqual({ maximum: 'För djupt', required: 'Ange djupet' });
    expect(msgs('fr')).toEqual({ maximum: 'Trop profond', required: 'Say how deep' });
    expect(msgs('en')).toEqual({ maximum: 'Too deep', required: 'Say how deep' });
    // a language the contract does not speak: its default locale (en)
    expect(msgs('sw')).toEqual({ maximum: 'Too deep', required: 'Say how deep' });
  });

  it('the form’s checks and the server’s details use them', () => {
    const sv = localizeSchema(form, 'sv');
    expect(clientErrors(sv, {}).map((e) => e.message)).toEqual(['Ange djupet']);
    expect(clientErrors(sv, { depth: 200 }).map((e) => e.message)).toEqual(['För djupt']);
    const details = [{ path: '/siteId', keyword: 'pattern', message: 'must match pattern', params: {} }];
    expect(serverErrors(details, localizeSchema(site, 'fr'))[0]!.message).toMatch(/PS-7 : majuscules/);
    // English: the generic message with the field's description, as before
    expect(serverErrors(details, localizeSchema(site, 'en'))[0]!.message).toBe(serverErrors(details, site)[0]!.message);
  });
});
