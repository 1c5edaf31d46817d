// The build's precompiled validators (decision 0042) must answer exactly as the app's own compile:
// the same verdict and the same errors, for every fixed schema, on inputs drawn from each schema
// (mostly valid, some hostile) and on plain garbage. The generated module is written where Node
// resolves its imports of ajv's runtime (under node_modules/.cache) and imported as the build would.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedSchemas, type PrecompiledGroup } from '../src/main/app/precompiled/schemas';
import { compileSchema, usePrecompiled } from '../src/shared/validation';
import { arbitraryOf, type Schema } from '../test/fuzz/schema-arbitrary';
import { generatePrecompiled } from './precompiled-validators';

const dir = join(process.cwd(), 'node_modules', '.cache', `maestro-precompiled-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Validator = ((data: unknown) => boolean) & { errors?: unknown };

const tables = new Map<PrecompiledGroup, Promise<Record<string, Validator>>>();

/** The group's generated module, written and imported once for this file's tests. */
function generated(group: PrecompiledGroup): Promise<Record<string, Validator>> {
  let t = tables.get(group);
  if (!t) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${group}.mjs`);
    writeFileSync(file, generatePrecompiled(group));
    t = import(pathToFileURL(file).href).then((m: { table: Record<string, Validator> }) => m.table);
    tables.set(group, t);
  }
  return t;
}

const GARBAGE: unknown[] = [undefined, null, {}, [], '', 'x', 0, -1.5, true, { a: 1 }, [{}], '\ud800'];
const hostile = { paths: ['/dev/zero', '', 'relative/path'], url: 'http://127.0.0.1:9/' };

function agree(schema: object, pre: Validator, inputs: unknown[]): void {
  const compiled = compileSchema(schema as Schema);
  for (const input of inputs) {
    const want = compiled(input);
    const wantErrors = structuredClone(compiled.errors);
    expect(pre(input)).toBe(want);
    expect(pre.errors ?? null).toEqual(wantErrors ?? null);
  }
}

describe.each(['first', 'rest'] as const)('precompiled validators, group %s', (group) => {
  it('has a validator for every fixed schema of the group', async () => {
    const table = await generated(group);
    const schemas = fixedSchemas(group);
    expect(Object.keys(table).sort()).toEqual(Object.keys(schemas).sort());
    for (const fn of Object.values(table)) expect(typeof fn).toBe('function');
  }, 60_000);

  it("answers as the app's compile does, verdict and errors", async () => {
    const table = await generated(group);
    const runs = group === 'first' ? 40 : 8;
    let valid = 0;
    for (const [key, schema] of Object.entries(fixedSchemas(group))) {
      const drawn = fc.sample(arbitraryOf(schema as Schema, hostile, 0.2), { numRuns: runs, seed: key.length });
      agree(schema, table[key]!, [...GARBAGE, ...drawn]);
      valid += drawn.filter((x) => compileSchema(schema as Schema)(x)).length;
    }
    // Both verdicts were exercised, not only refusals.
    expect(valid).toBeGreaterThan(0);
  }, 300_000);
});

describe('usePrecompiled', () => {
  it('hands compileSchema the given validator for that schema object, and leaves compiled ones alone', () => {
    const fresh = { type: 'object', properties: { n: { type: 'integer' } } };
    const already = { type: 'string' };
    const compiledBefore = compileSchema(already);
    const fn = Object.assign(() => true, { errors: null });
    expect(usePrecompiled({ a: fn, b: fn, c: 'not a function' }, { a: fresh, b: already, c: { type: 'null' } })).toBe(1);
    expect(compileSchema(fresh)).toBe(fn);
    expect(compileSchema(already)).toBe(compiledBefore);
  });
});
