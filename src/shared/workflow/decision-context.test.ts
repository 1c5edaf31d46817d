import { describe, expect, it } from 'vitest';
import { compileSchema } from '../validation';
import { formatValue, identifierOf, labelAt, redWhenFields, titleFieldsOf, titleWith, valueAt } from './decision-context';

const schema = {
  type: 'object',
  required: ['name', 'siteId'],
  properties: {
    name: { type: 'string', title: 'Name' },
    siteId: { type: 'string', title: 'Site ID' },
    caseIds: { type: 'array', items: { type: 'string', title: 'Case' } },
    'a/b': { type: 'string' },
    findings: { type: 'array', items: { type: 'object', properties: { severity: { type: 'string', title: 'Severity' } } } },
    conclusion: { type: 'string' },
  },
};

describe('title fields', () => {
  it('marked fields in their order; PII never; else identifiers; else the first required text field', () => {
    const marked = {
      ...schema,
      properties: { ...schema.properties, conclusion: { type: 'string', 'x-maestro-title': 2 }, name: { type: 'string', 'x-maestro-title': 1 } },
    };
    expect(titleFieldsOf(marked)).toEqual(['/name', '/conclusion']);
    expect(titleFieldsOf(marked, ['/name'])).toEqual(['/conclusion']);
    expect(titleFieldsOf(schema)).toEqual(['/siteId', '/caseIds']);
    expect(titleFieldsOf({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } })).toEqual(['/name']);
    expect(titleFieldsOf({ type: 'object', properties: {} })).toEqual([]);
    expect(titleFieldsOf(undefined)).toEqual([]);
  });

  it('ajv accepts the annotation (an integer 1..20) and refuses anything else', () => {
    expect(compileSchema({ type: 'object', properties: { a: { type: 'string', 'x-maestro-title': 1 } } })({ a: 'x' })).toBe(true);
    expect(() => compileSchema({ type: 'object', properties: { a: { type: 'string', 'x-maestro-title': 'first' } } })).toThrow();
  });

  it('values in words: lists joined, objects joined with a dash, long text clipped, nothing for empty', () => {
    expect(formatValue(['PS-7', 'PS-9'])).toBe('PS-7, PS-9');
    expect(formatValue({ from: '2026-11-01', to: '2026-11-20' })).toBe('2026-11-01 – 2026-11-20');
    expect(formatValue(12)).toBe('12');
    expect(formatValue(false)).toBe('false');
    expect(formatValue(null)).toBeNull();
    expect(formatValue([])).toBeNull();
    expect(formatValue('x'.repeat(5000))!.length).toBe(2000);
    expect(formatValue(Array.from({ length: 12 }, (_, i) => i))).toBe('0, 1, 2, 3, 4, 5, 6, 7, 8, 9, +2 more');
  });

  it('identifier, title, pointers and labels', () => {
    expect(identifierOf(schema, { siteId: 'PS-7', caseIds: ['C-1'] })).toBe('PS-7');
    expect(identifierOf(schema, { caseIds: ['C-1'] })).toBe('C-1');
    expect(identifierOf(schema, {})).toBeNull();
    expect(titleWith('Site inspection report', 'RPT-2026-103')).toBe('Site inspection report · RPT-2026-103');
    expect(titleWith('Site inspection report', null)).toBe('Site inspection report');
    expect(valueAt({ 'a/b': 1, l: [{ x: 2 }] }, '/a~1b')).toBe(1);
    expect(valueAt({ l: [{ x: 2 }] }, '/l/0/x')).toBe(2);
    expect(valueAt({ l: 3 }, '/l/0')).toBeUndefined();
    expect(labelAt(schema, '/siteId')).toBe('Site ID');
    expect(labelAt(schema, '/findings/0/severity')).toBe('Severity');
    expect(labelAt(schema, '/conclusion')).toBe('conclusion');
  });

  it("the fields a red rule reads: roots of paths, not words inside quotes, only the schema's fields", () => {
    expect(redWhenFields("conclusion == 'unsafe'", schema)).toEqual(['/conclusion']);
    expect(redWhenFields("findings[].severity == 'critical'", schema)).toEqual(['/findings']);
    expect(redWhenFields("conclusion == 'siteId' || size(caseIds) > 3 && nothing.here", schema)).toEqual(['/conclusion', '/caseIds']);
    expect(redWhenFields(undefined, schema)).toEqual([]);
  });
});
