// Forms with logic (docs/decisions/0029-forms-with-logic.md): `if`/`then`/`else`, `dependentRequired`
// and `dependentSchemas` on objects, evaluated here without ajv (the renderer's CSP forbids the code
// ajv generates). `matches` is a plain JSON Schema test that must agree with ajv for the keywords
// contracts use in conditions; src/shared/contracts/form-logic-cases.ts holds the cases both pass.
import { childPointer } from './json-pointer';
import { isPlainObject, primaryType, propertySchema, type JsonSchema } from './json-schema';

/** JSON equality (const and enum compare this way). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function hasType(t: string, v: unknown): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isPlainObject(v);
    default:
      return false;
  }
}

const patternCache = new Map<string, RegExp | null>();
/** ajv compiles patterns with the `u` flag; an invalid one never matches. */
function patternOf(p: string): RegExp | null {
  if (!patternCache.has(p)) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(p, 'u');
    } catch {
      re = null;
    }
    patternCache.set(p, re);
  }
  return patternCache.get(p) ?? null;
}

function numberOk(s: JsonSchema, v: number): boolean {
  if (s.minimum !== undefined && v < s.minimum) return false;
  if (s.maximum !== undefined && v > s.maximum) return false;
  if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return false;
  if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) return false;
  if (s.multipleOf !== undefined && !Number.isInteger(Number((v / s.multipleOf).toPrecision(12)))) return false;
  return true;
}

function stringOk(s: JsonSchema, v: string): boolean {
  const n = [...v].length;
  if (s.minLength !== undefined && n < s.minLength) return false;
  if (s.maxLength !== undefined && n > s.maxLength) return false;
  if (s.pattern !== undefined && !patternOf(s.pattern)?.test(v)) return false;
  return true; // `format` is an annotation here (the server checks it)
}

function arrayOk(s: JsonSchema, v: unknown[]): boolean {
  if (s.minItems !== undefined && v.length < s.minItems) return false;
  if (s.maxItems !== undefined && v.length > s.maxItems) return false;
  return !s.items || v.every((x) => matches(s.items!, x));
}

function objectOk(s: JsonSchema, v: Record<string, unknown>): boolean {
  if ((s.required ?? []).some((k) => !(k in v))) return false;
  for (const [k, x] of Object.entries(v)) {
    const p = s.properties?.[k];
    if (p) {
      if (!matches(p, x)) return false;
    } else if (s.additionalProperties === false) return false;
    else if (isPlainObject(s.additionalProperties) && !matches(s.additionalProperties, x)) return false;
  }
  for (const [k, deps] of Object.entries(s.dependentRequired ?? {})) if (k in v && deps.some((d) => !(d in v))) return false;
  for (const [k, sub] of Object.entries(s.dependentSchemas ?? {})) if (k in v && !matches(sub, v)) return false;
  return true;
}

function applicatorsOk(s: JsonSchema, v: unknown): boolean {
  if (s.allOf && !s.allOf.every((x) => matches(x, v))) return false;
  if (s.anyOf && !s.anyOf.some((x) => matches(x, v))) return false;
  if (s.oneOf && s.oneOf.filter((x) => matches(x, v)).length !== 1) return false;
  if (s.not && matches(s.not, v)) return false;
  if (s.if) {
    const branch = matches(s.if, v) ? s.then : s.else;
    if (branch && !matches(branch, v)) return false;
  }
  return true;
}

/** Whether `value` satisfies `schema` (boolean schemas included): JSON Schema's own semantics, as ajv. */
export function matches(schema: JsonSchema | boolean, value: unknown): boolean {
  if (typeof schema === 'boolean') return schema;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(t, value))) return false;
  }
  if (schema.const !== undefined && !deepEqual(schema.const, value)) return false;
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) return false;
  if (typeof value === 'number' && !numberOk(schema, value)) return false;
  if (typeof value === 'string' && !stringOk(schema, value)) return false;
  if (Array.isArray(value) && !arrayOk(schema, value)) return false;
  if (isPlainObject(value) && !objectOk(schema, value)) return false;
  return applicatorsOk(schema, value);
}

/**
 * The conditional subschemas that apply to an object value now: the chosen `then`/`else` of each
 * `if` (its own and those inside `allOf`), `dependentSchemas` of the fields present, and, inside
 * those, their own conditions (recursively).
 */
export function activeBranches(schema: JsonSchema, value: Record<string, unknown>): JsonSchema[] {
  const out: JsonSchema[] = [];
  const visit = (s: JsonSchema) => {
    if (s.if) {
      const branch = matches(s.if, value) ? s.then : s.else;
      if (branch) {
        out.push(branch);
        visit(branch);
      }
    }
    for (const [k, sub] of Object.entries(s.dependentSchemas ?? {}))
      if (k in value) {
        out.push(sub);
        visit(sub);
      }
    for (const sub of s.allOf ?? []) visit(sub);
  };
  visit(schema);
  return out;
}

export interface VisibleField {
  key: string;
  /** The field's own schema with what the applying branches add to it (title, limits). */
  schema: JsonSchema;
  required: boolean;
}

/**
 * The fields of an object form now, in order: its own `properties`, then those that applying branches
 * add. A field declared only inside a branch (`then`, `else`, `dependentSchemas`) is shown only while
 * that branch applies; hidden, it is not rendered and its value is dropped (withLogic).
 */
export function visibleFields(schema: JsonSchema, value: unknown): VisibleField[] {
  const obj = isPlainObject(value) ? value : {};
  const branches = activeBranches(schema, obj);
  const required = new Set(schema.required ?? []);
  for (const b of branches) for (const k of b.required ?? []) required.add(k);
  for (const [k, deps] of Object.entries(schema.dependentRequired ?? {})) if (k in obj) deps.forEach((d) => required.add(d));
  const order: string[] = Object.keys(schema.properties ?? {});
  for (const b of branches) for (const k of Object.keys(b.properties ?? {})) if (!order.includes(k)) order.push(k);
  return order.map((key) => {
    const parts = [schema.properties?.[key], ...branches.map((b) => b.properties?.[key])].filter((x): x is JsonSchema => !!x);
    return { key, schema: Object.assign({}, ...parts) as JsonSchema, required: required.has(key) };
  });
}

/** Pointers of every visible field (objects recursed into; list items are not): what the form shows. */
export function visiblePointers(schema: JsonSchema, value: unknown, path = ''): string[] {
  const obj = isPlainObject(value) ? value : {};
  return visibleFields(schema, obj).flatMap((f) => {
    const p = childPointer(path, f.key);
    return primaryType(f.schema) === 'object' ? [p, ...visiblePointers(f.schema, obj[f.key], p)] : [p];
  });
}

/**
 * Apply the form's logic to an edited value: fields hidden by the logic lose their value (a hidden
 * field is never submitted), and a field that has just appeared gets its `default` if it is empty.
 * `before` is the value before the edit (undefined for a new form: every field counts as new).
 */
export function withLogic(schema: JsonSchema, value: Record<string, unknown>, before?: unknown): Record<string, unknown> {
  const prev = isPlainObject(before) ? before : undefined;
  const shownBefore = new Set(prev ? visibleFields(schema, prev).map((f) => f.key) : []);
  let out = value;
  // Twice: a default that appears may itself show or hide another field.
  for (let round = 0; round < 2; round++) {
    const visible = visibleFields(schema, out);
    const next: Record<string, unknown> = {};
    for (const f of visible) {
      let v = out[f.key];
      if (v === undefined && !shownBefore.has(f.key) && f.schema.default !== undefined) v = structuredClone(f.schema.default);
      if (isPlainObject(v) && primaryType(f.schema) === 'object') v = withLogic(f.schema, v, prev?.[f.key]);
      if (v !== undefined) next[f.key] = v;
    }
    // Keys the schema does not know at all stay (the server reports them); only hidden fields go.
    for (const [k, v] of Object.entries(out)) if (!(k in next) && !propertySchema(schema, k)) next[k] = v;
    out = next;
  }
  return out;
}
