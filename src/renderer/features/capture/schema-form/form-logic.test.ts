import { beforeAll, describe, expect, it } from 'vitest';
import { i18next, initI18n } from '../../../i18n';
import { FORM_LOGIC_CASES } from '../../../../shared/contracts/form-logic-cases';
import { matches, visibleFields, visiblePointers, withLogic } from './form-logic';
import { clientErrors, serverErrors } from './field-errors';
import { initialValue, labelAt, type JsonSchema } from './json-schema';

beforeAll(() => void initI18n('en'));

const sorted = (xs: string[]) => [...new Set(xs)].sort();
const schemaOf = (name: string): JsonSchema => FORM_LOGIC_CASES.find((c) => c.name.startsWith(name))!.schema as JsonSchema;

describe('form logic cases through the renderer validator', () => {
  it('has a table of at least 50 cases', () => expect(FORM_LOGIC_CASES.length).toBeGreaterThanOrEqual(50));
  it.each(FORM_LOGIC_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const schema = c.schema as JsonSchema;
    const errors = clientErrors(schema, c.data);
    expect(sorted(errors.map((e) => e.path))).toEqual(sorted(c.errors));
    expect(errors.length === 0).toBe(c.valid);
    expect(matches(schema, c.data)).toBe(c.valid);
    expect(visiblePointers(schema, c.data).sort()).toEqual(sorted(c.visible));
  });
});

describe('hidden fields and defaults', () => {
  it('drops the value of a field the logic hides', () => {
    const s = schemaOf('unsafe closure');
    const before = { conclusion: 'unsafe', closure_reason: 'Roof caved in' };
    expect(withLogic(s, { ...before, conclusion: 'safe' }, before)).toEqual({ conclusion: 'safe' });
    expect(withLogic(s, before, before)).toEqual(before);
  });
  it('fills the default of a field that appears, once', () => {
    const s = schemaOf('nested conditions');
    expect(withLogic(s, { conclusion: 'safe' }, { conclusion: 'unsafe' })).toEqual({ conclusion: 'safe', next_visit_months: 12 });
    // Cleared by the person while shown: it stays empty.
    expect(withLogic(s, { conclusion: 'safe' }, { conclusion: 'safe', next_visit_months: 12 })).toEqual({ conclusion: 'safe' });
    expect(withLogic(s, { conclusion: 'unsafe', closure: 'temporary', reopen_on: 'x' }, {})).toEqual({
      conclusion: 'unsafe',
      closure: 'temporary',
      reopen_on: 'x',
    });
  });
  it('prefills a new form with defaults, shown fields only', () => {
    const s: JsonSchema = { ...schemaOf('unsafe closure'), properties: { conclusion: { type: 'string', enum: ['safe', 'unsafe'], default: 'unsafe' } } };
    expect(withLogic(s, initialValue(s) as Record<string, unknown>)).toEqual({ conclusion: 'unsafe' });
  });
  it('keeps fields the schema does not know (the server reports them) and cleans nested objects', () => {
    const s = schemaOf('nested object');
    expect(withLogic(s, { site: { access: 'open' }, extra: 1 }, {})).toEqual({ site: { access: 'open' }, extra: 1 });
  });
  it('marks conditional fields required and finds their labels', () => {
    const s = schemaOf('unsafe closure');
    expect(visibleFields(s, { conclusion: 'unsafe' }).find((f) => f.key === 'closure_reason')?.required).toBe(true);
    expect(visibleFields(s, { conclusion: 'safe' }).some((f) => f.key === 'closure_reason')).toBe(false);
    expect(labelAt(s, '/closure_reason')).toBe('closure_reason');
  });
});

describe('author-written messages (x-maestro-messages)', () => {
  it('replaces the generic message, in the language in use', async () => {
    const s = schemaOf('unsafe closure');
    expect(clientErrors(s, { conclusion: 'unsafe' })[0]?.message).toBe('Say why the site is closed');
    expect(clientErrors(s, { conclusion: 'unsafe', closure_reason: 'x'.repeat(51) })[0]?.message).toBe('Keep it short');
    const depth = schemaOf('nested object');
    expect(clientErrors(depth, { site: {}, depth: 101 })[0]?.message).toBe('Too deep');
    await i18next.changeLanguage('sv');
    try {
      expect(clientErrors(s, { conclusion: 'unsafe' })[0]?.message).toBe('Ange varför platsen stängs');
      expect(clientErrors(depth, { site: {}, depth: 101 })[0]?.message).toBe('För djupt');
      // One text for every language.
      expect(clientErrors(s, { conclusion: 'unsafe', closure_reason: 'x'.repeat(51) })[0]?.message).toBe('Keep it short');
    } finally {
      await i18next.changeLanguage('en');
    }
  });
  it('applies to the server details too, and drops the `if` wrapper', () => {
    const s = schemaOf('unsafe closure');
    const details = [
      { path: '/', keyword: 'required', message: "must have required property 'closure_reason'", params: { missingProperty: 'closure_reason' } },
      { path: '/', keyword: 'if', message: 'must match "then" schema', params: { failingKeyword: 'then' } },
    ];
    expect(serverErrors(details, s).map((e) => [e.path, e.message])).toEqual([['/closure_reason', 'Say why the site is closed']]);
    const dep = [
      { path: '/', keyword: 'dependentRequired', message: 'must have property phone_type', params: { property: 'phone', missingProperty: 'phone_type' } },
    ];
    expect(serverErrors(dep, schemaOf('contact')).map((e) => [e.path, e.keyword, e.message])).toEqual([['/phone_type', 'required', 'Required']]);
    const max = [{ path: '/depth', keyword: 'maximum', message: 'must be <= 100', params: { limit: 100 } }];
    expect(serverErrors(max, schemaOf('nested object'))[0]?.message).toBe('Too deep');
  });
});
