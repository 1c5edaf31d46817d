// Field-level errors: light checks in the renderer (instant feedback), and the server's ajv details
// (authoritative) mapped onto the same pointers. The renderer cannot run ajv (it generates code,
// which the CSP forbids), so the client checks cover only required, ranges, lengths and enums.
import { i18next } from '../../../i18n';
import { childPointer, normalizePointer, getAt } from './json-pointer';
import { isPlainObject, primaryType, propertySchema, schemaAt, type JsonSchema } from './json-schema';
import { activeBranches, deepEqual } from './form-logic';

/** A validation message of the `capture` namespace, in the language in use when the check runs. */
const msg = (key: string, params?: Record<string, unknown>): string => i18next.t(`capture:check.${key}`, params);

export interface FieldError {
  /** JSON Pointer of the field the message belongs next to ('' is the whole form). */
  path: string;
  keyword: string;
  message: string;
  source: 'client' | 'server';
}

const codePoints = (s: string): number => [...s].length;

/** The contract's own words for a keyword (`x-maestro-messages`), in the language in use, if it has any. */
export function authorMessage(s: JsonSchema | undefined, keyword: string): string | undefined {
  const m = s?.['x-maestro-messages']?.[keyword];
  if (typeof m === 'string') return m;
  if (!isPlainObject(m)) return undefined;
  const lng = i18next.language || 'en';
  const pick = m[lng] ?? m[lng.split('-')[0]!] ?? m.en ?? Object.values(m)[0];
  return typeof pick === 'string' ? pick : undefined;
}

/** A required field's message: the field's own `required` text, else its parent's, else the generic one. */
function requiredMessage(parent: JsonSchema, key: string, keyword = 'required'): string {
  const field = propertySchema(parent, key);
  for (const k of new Set([keyword, 'required'])) {
    const m = authorMessage(field, k) ?? authorMessage(parent, k);
    if (m) return m;
  }
  return msg('required');
}

/**
 * A branch checked against the object it applies to (its own conditions were resolved by
 * activeBranches). A field's messages are those of its declaration (propertySchema), as for the server.
 */
function asBranch(parent: JsonSchema, b: JsonSchema): JsonSchema {
  const props = Object.entries(b.properties ?? {}).map(([k, ps]) => [k, { ...ps, 'x-maestro-messages': propertySchema(parent, k)?.['x-maestro-messages'] }]);
  return { ...b, if: undefined, dependentSchemas: undefined, allOf: undefined, properties: Object.fromEntries(props) as Record<string, JsonSchema> };
}

type Push = (path: string, keyword: string, message: string) => void;

/**
 * An object: its own `required` and `properties`, `dependentRequired` of the fields present, then the
 * branches that apply now (form-logic.ts: `if`/`then`/`else`, `dependentSchemas`), as ajv does.
 */
function objectErrors(schema: JsonSchema, value: Record<string, unknown>, path: string, out: FieldError[], push: Push): void {
  for (const k of schema.required ?? []) {
    if (value[k] !== undefined) continue;
    const sub = propertySchema(schema, k);
    // A required group nobody has started: point at the fields inside it that are needed.
    if (sub && primaryType(sub) === 'object' && (sub.required?.length ?? 0) > 0) clientErrors(sub, {}, childPointer(path, k), out);
    else push(childPointer(path, k), 'required', requiredMessage(schema, k));
  }
  for (const [k, deps] of Object.entries(schema.dependentRequired ?? {})) {
    if (value[k] === undefined) continue;
    for (const d of deps) if (value[d] === undefined) push(childPointer(path, d), 'required', requiredMessage(schema, d, 'dependentRequired'));
  }
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties?.[k];
    if (sub) clientErrors(sub, v, childPointer(path, k), out);
  }
  for (const branch of activeBranches(schema, value)) clientErrors(asBranch(schema, branch), value, path, out);
}

/** The renderer's own checks. `pattern` and `format` are left to the server. */
export function clientErrors(schema: JsonSchema, value: unknown, path = '', out: FieldError[] = []): FieldError[] {
  const push: Push = (p, keyword, message) => {
    const text = p === path ? (authorMessage(schema, keyword) ?? message) : message;
    if (!out.some((e) => e.path === p && e.keyword === keyword)) out.push({ path: p, keyword, message: text, source: 'client' });
  };
  if (value === undefined) return out;
  if (value === null) {
    // Array items start as null until filled in (JSON has no "empty" string or number).
    const nullable = Array.isArray(schema.type) ? schema.type.includes('null') : schema.type === 'null';
    if (!nullable) push(path, 'required', msg('required'));
    return out;
  }
  if (schema.const !== undefined && !deepEqual(schema.const, value)) push(path, 'const', msg('enum'));
  if (Array.isArray(schema.enum)) {
    if (!schema.enum.some((e) => e === value)) push(path, 'enum', msg('enum'));
    return out;
  }
  switch (primaryType(schema) ?? (isPlainObject(value) ? 'object' : undefined)) {
    case 'object': {
      if (!isPlainObject(value)) push(path, 'type', msg('object'));
      else objectErrors(schema, value, path, out, push);
      return out;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        push(path, 'type', msg('list'));
        return out;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) push(path, 'minItems', msg('minItems', { n: schema.minItems }));
      if (schema.maxItems !== undefined && value.length > schema.maxItems) push(path, 'maxItems', msg('maxItems', { n: schema.maxItems }));
      if (schema.items) value.forEach((v, i) => clientErrors(schema.items!, v, childPointer(path, i), out));
      return out;
    }
    case 'integer':
    case 'number':
      numberErrors(schema, value, path, push);
      return out;
    case 'string': {
      if (typeof value !== 'string') {
        push(path, 'type', msg('text'));
        return out;
      }
      const n = codePoints(value);
      if (schema.minLength !== undefined && n < schema.minLength)
        push(path, 'minLength', schema.minLength === 1 ? msg('required') : msg('minLength', { n: schema.minLength }));
      if (schema.maxLength !== undefined && n > schema.maxLength) push(path, 'maxLength', msg('maxLength', { n: schema.maxLength }));
      return out;
    }
    case 'boolean':
      if (typeof value !== 'boolean') push(path, 'type', msg('boolean'));
      return out;
    default:
      return out;
  }
}

function numberErrors(schema: JsonSchema, value: unknown, path: string, push: Push): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    push(path, 'type', msg('number'));
    return;
  }
  if (primaryType(schema) === 'integer' && !Number.isInteger(value)) push(path, 'type', msg('integer'));
  if (schema.minimum !== undefined && value < schema.minimum) push(path, 'minimum', msg('minimum', { n: schema.minimum }));
  if (schema.maximum !== undefined && value > schema.maximum) push(path, 'maximum', msg('maximum', { n: schema.maximum }));
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
    push(path, 'exclusiveMinimum', msg('exclusiveMinimum', { n: schema.exclusiveMinimum }));
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
    push(path, 'exclusiveMaximum', msg('exclusiveMaximum', { n: schema.exclusiveMaximum }));
}

interface AjvDetail {
  path: string;
  keyword: string;
  message: string;
  params?: Record<string, unknown>;
}

function isAjvDetail(d: unknown): d is AjvDetail {
  return isPlainObject(d) && typeof d.path === 'string' && typeof d.keyword === 'string' && typeof d.message === 'string';
}

/**
 * Map VALIDATION_ERROR details ({path, keyword, message, params}, ajv's instancePath) onto fields.
 * `required` errors name the parent; params.missingProperty names the field, so they move down to it.
 */
export function serverErrors(details: unknown, schema: JsonSchema): FieldError[] {
  if (!Array.isArray(details)) return [];
  const out: FieldError[] = [];
  for (const d of details) {
    // `if` only says "must match the then schema"; the branch's own errors name the fields.
    if (!isAjvDetail(d) || d.keyword === 'if') continue;
    let path = normalizePointer(d.path);
    const params = d.params ?? {};
    let message = d.message;
    let keyword = d.keyword;
    if ((keyword === 'required' || keyword === 'dependentRequired') && typeof params.missingProperty === 'string') {
      const parent = schemaAt(schema, path);
      message = parent ? requiredMessage(parent, params.missingProperty, keyword) : msg('required');
      path = childPointer(path, params.missingProperty);
      keyword = 'required';
    } else if (keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      message = msg('unknownField', { name: params.additionalProperty });
    } else if (keyword === 'unevaluatedProperties' && typeof params.unevaluatedProperty === 'string') {
      message = msg('unknownField', { name: params.unevaluatedProperty });
    } else if (d.keyword === 'pattern') {
      // The hint is the field's description in the contract (its own words, not translated here).
      const hint = schemaAt(schema, path)?.description;
      message = hint ? msg('patternHint', { hint }) : msg('pattern');
    } else if (d.keyword === 'format') {
      message = typeof params.format === 'string' ? msg('format', { format: params.format }) : msg('formatValue');
    } else if (d.keyword === 'enum') {
      message = msg('enum');
    } else {
      // Any other check: the server's own message (English), first letter capitalised.
      message = message.charAt(0).toUpperCase() + message.slice(1);
    }
    if (keyword !== 'required') message = authorMessage(schemaAt(schema, path), keyword) ?? message;
    if (!out.some((e) => e.path === path && e.message === message)) out.push({ path, keyword, message, source: 'server' });
  }
  return out;
}

/** Drop server errors under any field whose value changed since they were reported. */
export function pruneChanged(errors: FieldError[], before: unknown, after: unknown): FieldError[] {
  return errors.filter((e) => JSON.stringify(getAt(before, e.path)) === JSON.stringify(getAt(after, e.path)));
}

/** Server errors first; a client error only where the server says nothing of that kind there. */
export function mergeErrors(server: FieldError[], client: FieldError[]): FieldError[] {
  return [...server, ...client.filter((c) => !server.some((s) => s.path === c.path && (s.keyword === c.keyword || s.keyword === 'required')))];
}

export function errorsAt(all: FieldError[], path: string): FieldError[] {
  return all.filter((e) => e.path === path);
}
