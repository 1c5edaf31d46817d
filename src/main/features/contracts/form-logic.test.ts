import { describe, expect, it } from 'vitest';
import { FORM_LOGIC_CASES } from '../../../shared/contracts/form-logic-cases';
import { compileSchema, describeErrors } from '../../../shared/validation';
import { ContractRegistry } from './contract-loader';

const sorted = (xs: string[]) => [...new Set(xs)].sort();

/** ajv's errors as field pointers: `required`/`dependentRequired` name the missing child; `if` only wraps a branch's errors. */
function errorPaths(schema: Record<string, unknown>, data: unknown): string[] {
  const validate = compileSchema(schema);
  if (validate(data)) return [];
  return describeErrors(validate.errors)
    .filter((d) => d.keyword !== 'if')
    .map((d) => {
      const base = d.path === '/' ? '' : d.path;
      const missing = d.params.missingProperty;
      return (d.keyword === 'required' || d.keyword === 'dependentRequired') && typeof missing === 'string' ? `${base}/${missing}` : base;
    });
}

describe('form logic cases through ajv (main process)', () => {
  it.each(FORM_LOGIC_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const paths = errorPaths(c.schema, c.data);
    expect(paths.length === 0).toBe(c.valid);
    expect(sorted(paths)).toEqual(sorted(c.errors));
  });

  it('loads a contract with logic and author messages, and refuses a hidden field submitted anyway', () => {
    const reg = new ContractRegistry();
    const base = FORM_LOGIC_CASES.find((c) => c.name.startsWith('unsafe closure'))!.schema;
    const schema = { ...base, unevaluatedProperties: false };
    reg.load({
      contract: 'test.logic.form@1.0.0',
      title: 'Logic',
      kind: 'capture',
      permission: 'capture:test',
      pii: [],
      riskHints: { defaultLane: 'GREEN' },
      schema,
    });
    expect(() => reg.validate('test.logic.form@1.0.0', { conclusion: 'unsafe', closure_reason: 'Roof' })).not.toThrow();
    // `unevaluatedProperties: false`: a field its branch does not show is not accepted.
    expect(() => reg.validate('test.logic.form@1.0.0', { conclusion: 'safe', closure_reason: 'Roof' })).toThrow(/does not satisfy/);
  });

  it('refuses malformed author messages', () => {
    expect(() => compileSchema({ type: 'number', 'x-maestro-messages': { minimum: 3 } })).toThrow();
  });
});
