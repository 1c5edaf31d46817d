// ajv (draft 2020-12) compiled once per schema. Used by the main process and the server; the
// renderer does not import this (ajv generates code, which the renderer's CSP forbids).
import Ajv2020, { type ErrorObject, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ApiError } from './errors';
import {
  I18N_ANNOTATION,
  I18N_META_SCHEMA,
  LOCALE_ANNOTATION,
  LOCALE_PATTERN,
  MESSAGES_ANNOTATION,
  TITLE_ANNOTATION,
  WIDGET_ANNOTATION,
} from './contract-annotations';

/**
 * An ajv instance with the app's options and annotation keywords. `extra` is for the build's
 * generator of precompiled validators (scripts/precompiled-validators.ts), which needs the same
 * instance with `code.source` on, so what it writes validates exactly as a compile here would.
 */
export function createAjv(extra: Options = {}): Ajv2020 {
  const ajvInstance = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, ...extra });
  (addFormats as unknown as (a: Ajv2020) => void)(ajvInstance);
  // A UI annotation in contract schemas (the capture form's widget choice, e.g. "geo"): it
  // validates nothing, and strict mode would otherwise refuse it as an unknown keyword.
  ajvInstance.addKeyword({ keyword: WIDGET_ANNOTATION, metaSchema: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } });
  // Contract annotations on attachment fields (src/shared/capture/attachment-rules.ts): read, not validated by.
  ajvInstance.addKeyword({ keyword: 'x-maestro-max-bytes', schemaType: 'number' });
  ajvInstance.addKeyword({ keyword: 'x-maestro-keep-location', schemaType: 'boolean' });
  // A record's title fields (their order), read by the reviewer's views, run titles and card search.
  ajvInstance.addKeyword({ keyword: TITLE_ANNOTATION, metaSchema: { type: 'integer', minimum: 1, maximum: 20 } });
  // Author-written check messages (keyword → text, or locale → text), read by the capture form.
  ajvInstance.addKeyword({
    keyword: MESSAGES_ANNOTATION,
    metaSchema: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }] },
    },
  });
  // A contract in several languages (docs/decisions/0031): per-locale words on any node, and the
  // locale of the plain words on the root. Read by the capture form; they validate nothing.
  ajvInstance.addKeyword({ keyword: I18N_ANNOTATION, metaSchema: I18N_META_SCHEMA });
  ajvInstance.addKeyword({ keyword: LOCALE_ANNOTATION, metaSchema: { type: 'string', pattern: LOCALE_PATTERN } });
  return ajvInstance;
}

let ajvInstance: Ajv2020 | null = null;
const ajv = (): Ajv2020 => (ajvInstance ??= createAjv());

const cache = new WeakMap<object, ValidateFunction>();

/**
 * Validators the build generated ahead of time (ajv's standalone code, from this module's own
 * options: scripts/precompiled-validators.ts) for schemas fixed at build time: `table` maps a key to
 * its validator, `schemas` the same key to the schema object the app compiles. compileSchema then
 * finds them as if it had compiled them itself, and ajv (its meta-schema, its code generation) is
 * not even created until a schema the build could not know arrives (a contract). Keys without a
 * validator are left to compile as before. Returns how many were taken.
 */
export function usePrecompiled(table: Readonly<Record<string, unknown>>, schemas: Readonly<Record<string, object>>): number {
  let n = 0;
  for (const [key, schema] of Object.entries(schemas)) {
    const fn = table[key];
    if (typeof fn !== 'function' || cache.has(schema)) continue;
    cache.set(schema, fn as ValidateFunction);
    n++;
  }
  return n;
}

export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv().compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

/**
 * The validator of a fixed schema, compiled on its first call rather than when the module or object
 * holding it is loaded: ajv compiles by generating code (10–500 ms for a big wire schema), and a
 * start-up that compiled every wire schema the app might one day receive paid seconds before the
 * first screen (issue 20). Same result and same `.errors` after a call as compileSchema's; only the
 * call and `.errors` are there (no `.schema`). For schemas that arrive at run time (a contract) use
 * compileSchema, which refuses a bad schema at once. `compile` (compileSchema by default) is what the
 * first call compiles with, for a caller that words a compile failure its own way.
 */
export function lazyValidator(
  schema: Record<string, unknown>,
  compile: (schema: Record<string, unknown>) => ValidateFunction = compileSchema,
): ValidateFunction {
  let fn: ValidateFunction | null = null;
  const lazy = ((data: unknown) => {
    fn ??= compile(schema);
    const ok = fn(data);
    lazy.errors = fn.errors;
    return ok;
  }) as ValidateFunction;
  return lazy;
}

export interface ValidationDetail {
  path: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): ValidationDetail[] {
  return (errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    keyword: e.keyword,
    message: e.message ?? 'invalid',
    params: e.params as Record<string, unknown>,
  }));
}

/**
 * The most specific of ajv's errors (deepest instance path; the first of equals), for one-line
 * "file:line: reason" messages: `pointer` locates the offending node (an unknown field's own key
 * included), `path` is ajv's instance path, `what` a short phrase. Errors matching `skip` (wrappers
 * such as anyOf) are ignored unless nothing else is left.
 */
export function mostSpecificError(
  errors: readonly ErrorObject[],
  skip: (e: ErrorObject) => boolean = () => false,
): { pointer: string; path: string; what: string } {
  const useful = errors.filter((e) => !skip(e));
  const pick = [...(useful.length ? useful : errors)].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!pick) return { pointer: '', path: '', what: 'invalid' };
  let pointer = pick.instancePath;
  let what = pick.message ?? 'invalid';
  if (pick.keyword === 'additionalProperties') {
    const prop = String(pick.params.additionalProperty);
    pointer = `${pointer}/${prop}`;
    what = `unknown field '${prop}'`;
  } else if (pick.keyword === 'required') {
    what = `missing field '${String(pick.params.missingProperty)}'`;
  } else if (pick.keyword === 'enum') {
    what = `must be one of ${(pick.params.allowedValues as unknown[]).map(String).join(', ')}`;
  }
  return { pointer, path: pick.instancePath, what };
}

/** Validate or throw a VALIDATION_ERROR carrying ajv's details. */
export function assertValid<T>(schema: Record<string, unknown>, value: unknown, what: string): T {
  const fn = compileSchema(schema);
  if (!fn(value)) {
    throw new ApiError('VALIDATION_ERROR', `${what} does not match its schema`, describeErrors(fn.errors));
  }
  return value as T;
}
