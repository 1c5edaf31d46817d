// Field-level errors: light checks in the renderer (instant feedback), and the server's ajv details
// (authoritative) mapped onto the same pointers. The renderer cannot run ajv (it generates code,
// which the CSP forbids), so the client checks cover only required, ranges, lengths and enums.
import { i18next } from '../../../i18n';
import { childPointer, normalizePointer, getAt } from './json-pointer';
import { isPlainObject, primaryType, schemaAt, type JsonSchema } from './json-schema';

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

/** The renderer's own checks. `pattern` and `format` are left to the server. */
export function clientErrors(schema: JsonSchema, value: unknown, path = '', out: FieldError[] = []): FieldError[] {
  const push = (p: string, keyword: string, message: string) => out.push({ path: p, keyword, message, source: 'client' });
  if (value === undefined) return out;
  if (value === null) {
    // Array items start as null until filled in (JSON has no "empty" string or number).
    const nullable = Array.isArray(schema.type) ? schema.type.includes('null') : schema.type === 'null';
    if (!nullable) push(path, 'required', msg('required'));
    return out;
  }
  if (Array.isArray(schema.enum)) {
    if (!schema.enum.some((e) => e === value)) push(path, 'enum', msg('enum'));
    return out;
  }
  switch (primaryType(schema)) {
    case 'object': {
      if (!isPlainObject(value)) {
        push(path, 'type', msg('object'));
        return out;
      }
      for (const k of schema.required ?? []) {
        if (value[k] !== undefined) continue;
        const sub = schema.properties?.[k];
        // A required group nobody has started: point at the fields inside it that are needed.
        if (sub && primaryType(sub) === 'object' && (sub.required?.length ?? 0) > 0) clientErrors(sub, {}, childPointer(path, k), out);
        else push(childPointer(path, k), 'required', msg('required'));
      }
      for (const [k, v] of Object.entries(value)) {
        const sub = schema.properties?.[k];
        if (sub) clientErrors(sub, v, childPointer(path, k), out);
      }
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
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        push(path, 'type', msg('number'));
        return out;
      }
      if (primaryType(schema) === 'integer' && !Number.isInteger(value)) push(path, 'type', msg('integer'));
      if (schema.minimum !== undefined && value < schema.minimum) push(path, 'minimum', msg('minimum', { n: schema.minimum }));
      if (schema.maximum !== undefined && value > schema.maximum) push(path, 'maximum', msg('maximum', { n: schema.maximum }));
      if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
        push(path, 'exclusiveMinimum', msg('exclusiveMinimum', { n: schema.exclusiveMinimum }));
      if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
        push(path, 'exclusiveMaximum', msg('exclusiveMaximum', { n: schema.exclusiveMaximum }));
      return out;
    }
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
    if (!isAjvDetail(d)) continue;
    let path = normalizePointer(d.path);
    const params = d.params ?? {};
    let message = d.message;
    if (d.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = childPointer(path, params.missingProperty);
      message = msg('required');
    } else if (d.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      message = msg('unknownField', { name: params.additionalProperty });
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
    if (!out.some((e) => e.path === path && e.message === message)) out.push({ path, keyword: d.keyword, message, source: 'server' });
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
