import { describe, expect, it } from 'vitest';
import { compileSchema } from '../validation';
import { I18N_ANNOTATION, LOCALE_ANNOTATION, localeChain } from '../contract-annotations';
import { i18nProblems } from './i18n-check';
import { diffSchemas } from './schema-diff';
import { checkContractVersions } from './compat';

const field = {
  type: 'string',
  title: 'Condition',
  enum: ['good', 'poor'],
  [I18N_ANNOTATION]: {
    sv: {
      title: 'Skick',
      description: 'Hur platsen ser ut',
      help: 'Välj det som stämmer bäst',
      enum: { good: 'Bra', poor: 'Dåligt' },
      messages: { enum: 'Välj ett skick' },
    },
    'pt-BR': { title: 'Condição' },
  },
};
const schema = { type: 'object', [LOCALE_ANNOTATION]: 'en', properties: { condition: field } };

describe('contract translations: the annotations', () => {
  it('compile in strict mode and change nothing about what validates', () => {
    const withIt = compileSchema(schema);
    const without = compileSchema({ type: 'object', properties: { condition: { type: 'string', title: 'Condition', enum: ['good', 'poor'] } } });
    for (const v of [{ condition: 'good' }, { condition: 'Bra' }, {}, 'x']) expect(withIt(v)).toBe(without(v));
    expect(withIt({ condition: 'Bra' })).toBe(false);
    expect(i18nProblems(schema)).toEqual([]);
  });

  it('a malformed one is refused by ajv when the schema compiles', () => {
    const bad = (v: unknown) => ({ type: 'object', properties: { c: { type: 'string', [I18N_ANNOTATION]: v } } });
    expect(() => compileSchema(bad({ sv: { title: 3 } }))).toThrow(/must be string/);
    expect(() => compileSchema(bad({ sv: { tooltip: 'x' } }))).toThrow(/additional properties/);
    expect(() => compileSchema(bad({ Svenska: { title: 'x' } }))).toThrow(/property name/);
    expect(() => compileSchema(bad({ sv: { enum: { a: 1 } } }))).toThrow(/must be string/);
    expect(() => compileSchema({ type: 'object', [LOCALE_ANNOTATION]: 'English' })).toThrow(/must match pattern/);
  });

  it('problems come back as details with the JSON Pointer of the offending place', () => {
    const s = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'string', enum: ['a'], [I18N_ANNOTATION]: { fr: { enum: { a: 'A', 'b/c': 'B' } } } } },
        branch: { type: 'object', then: { properties: { x: { type: 'string', [I18N_ANNOTATION]: { sv: { enum: { a: 'A' } } } } } } },
        nested: { type: 'string', [LOCALE_ANNOTATION]: 'sv' },
        shape: { type: 'string', [I18N_ANNOTATION]: { sv: { help: '' } } },
      },
    };
    expect(i18nProblems(s).map((p) => [p.path, p.keyword])).toEqual([
      ['/properties/list/items/x-maestro-i18n/fr/enum/b~1c', 'enum'],
      ['/properties/branch/then/properties/x/x-maestro-i18n/sv/enum/a', 'enum'],
      ['/properties/nested/x-maestro-locale', 'x-maestro-locale'],
      ['/properties/shape/x-maestro-i18n/sv/help', 'minLength'],
    ]);
  });

  it('the locale chain: the language, its base language, the contract’s locale', () => {
    expect(localeChain('pt-BR', 'fr')).toEqual(['pt-BR', 'pt', 'fr']);
    expect(localeChain('sv')).toEqual(['sv', 'en']);
    expect(localeChain(undefined, 'en')).toEqual(['en']);
  });

  it('adding or changing translations is an annotation change: a patch or minor version may carry it', () => {
    const before = { type: 'object', properties: { condition: { type: 'string', title: 'Condition', enum: ['good', 'poor'] } } };
    const changes = diffSchemas(before, schema);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.kind === 'annotation-changed' && !c.breaking)).toBe(true);
    const doc = (v: string, s: unknown) => ({ contract: `a.b.c@${v}`, schema: s });
    expect(checkContractVersions([doc('1.0.0', before)], [doc('1.0.1', schema)])[0]!.verdict).toBe('compatible');
  });
});
