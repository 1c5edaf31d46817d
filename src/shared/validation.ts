// ajv (draft 2020-12) compiled once per schema. Used by the main process and the server; the
// renderer does not import this (ajv generates code, which the renderer's CSP forbids).
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ApiError } from './errors';

export type Validator = ValidateFunction;

let ajvInstance: Ajv2020 | null = null;
function ajv(): Ajv2020 {
  if (!ajvInstance) {
    ajvInstance = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajvInstance);
  }
  return ajvInstance;
}

const cache = new WeakMap<object, ValidateFunction>();

export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv().compile(schema);
    cache.set(schema, fn);
  }
  return fn;
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

/** Validate or throw a VALIDATION_ERROR carrying ajv's details. */
export function assertValid<T>(schema: Record<string, unknown>, value: unknown, what: string): T {
  const fn = compileSchema(schema);
  if (!fn(value)) {
    throw new ApiError('VALIDATION_ERROR', `${what} does not match its schema`, describeErrors(fn.errors));
  }
  return value as T;
}
