// The subset of JSON Schema 2020-12 the generated capture forms understand, and helpers to read it.
import { i18next } from '../../../i18n';
import type { LocaleWords } from '../../../../shared/contract-annotations';
import { parsePointer } from './json-pointer';

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  contentMediaType?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  // Logic (form-logic.ts; docs/decisions/0029-forms-with-logic.md).
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  not?: JsonSchema;
  dependentRequired?: Record<string, string[]>;
  dependentSchemas?: Record<string, JsonSchema>;
  /** Author-written messages by keyword (`minimum`, `pattern`, `required`…), one text or one per locale. */
  'x-maestro-messages'?: Record<string, string | Record<string, string>>;
  /** Maestro annotation choosing a widget (`"geo"`: a place with "Use my location"; see geo.ts). */
  'x-maestro-widget'?: string;
  /** Words by locale (title, description, help, enum labels, messages); read by localize.ts. */
  'x-maestro-i18n'?: Record<string, LocaleWords>;
  /** On the root: the locale of the plain words (default `en`). */
  'x-maestro-locale'?: string;
  // Set by localizeSchema (localize.ts) on the schema the form renders; never in a contract.
  /** The contract's help text for the field, in the language in use. */
  help?: string;
  /** A label for each `enum` value, in its order, in the language in use. */
  enumLabels?: string[];
}

export type FieldKind = 'object' | 'array' | 'photo' | 'photos' | 'enum' | 'boolean' | 'number' | 'integer' | 'date' | 'textarea' | 'text' | 'unsupported';

/** Longer limits than this get a textarea. */
const TEXTAREA_OVER = 200;

export function primaryType(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

/** A string holding an attachment reference (`sha256:<hex>`) to an image. */
function isPhoto(s: JsonSchema | undefined): boolean {
  return !!s && primaryType(s) === 'string' && !!s.pattern?.startsWith('^sha256:') && !!s.contentMediaType?.startsWith('image/');
}

export function fieldKind(s: JsonSchema): FieldKind {
  const t = primaryType(s);
  if (Array.isArray(s.enum)) return 'enum';
  if (t === 'object') return 'object';
  if (t === 'array') return isPhoto(s.items) ? 'photos' : s.items ? 'array' : 'unsupported';
  if (t === 'boolean') return 'boolean';
  if (t === 'integer') return 'integer';
  if (t === 'number') return 'number';
  if (t === 'string') {
    if (isPhoto(s)) return 'photo';
    if (s.format === 'date') return 'date';
    if ((s.maxLength ?? 0) > TEXTAREA_OVER) return 'textarea';
    return 'text';
  }
  return 'unsupported';
}

/** What a fresh form (or a new array item) starts with: defaults, `false` for required booleans. */
export function initialValue(s: JsonSchema, required = false): unknown {
  if (s.default !== undefined) return structuredClone(s.default);
  const t = primaryType(s);
  if (t === 'boolean' && required) return false;
  if (t === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      const v = initialValue(p, s.required?.includes(k) ?? false);
      if (v !== undefined && !(isPlainObject(v) && Object.keys(v).length === 0)) out[k] = v;
    }
    return out;
  }
  return undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every subschema that can add fields to an object: branches of `if`, `dependentSchemas`, and their own, applied or not. */
function allBranches(s: JsonSchema): JsonSchema[] {
  const here = [s.then, s.else, ...Object.values(s.dependentSchemas ?? {})].filter((x): x is JsonSchema => !!x);
  return [...here, ...here.flatMap(allBranches), ...(s.allOf ?? []).flatMap(allBranches)];
}

/** The schema of a property wherever the object's schema declares it: its own `properties` first, then any branch. */
export function propertySchema(schema: JsonSchema, key: string): JsonSchema | undefined {
  return schema.properties?.[key] ?? allBranches(schema).find((b) => b.properties?.[key])?.properties?.[key];
}

/** The schema that governs the value at a pointer, or undefined when the pointer leaves the schema. */
export function schemaAt(root: JsonSchema, pointer: string): JsonSchema | undefined {
  let cur: JsonSchema | undefined = root;
  for (const t of parsePointer(pointer)) {
    if (!cur) return undefined;
    const type = primaryType(cur);
    if (type === 'array') cur = cur.items;
    else if (type === 'object') cur = propertySchema(cur, t);
    else return undefined;
  }
  return cur;
}

/** A person's name for the field at a pointer: "Location › Latitude", "Findings 2 › Severity". */
export function labelAt(root: JsonSchema, pointer: string): string {
  const parts: string[] = [];
  let cur: JsonSchema | undefined = root;
  for (const t of parsePointer(pointer)) {
    if (!cur) {
      parts.push(t);
      continue;
    }
    if (primaryType(cur) === 'array' && /^\d+$/.test(t)) {
      const last = parts.pop() ?? i18next.t('capture:field.itemDefault');
      parts.push(itemLabel(last, Number(t) + 1));
      cur = cur.items;
    } else {
      cur = propertySchema(cur, t);
      parts.push(cur?.title ?? t);
    }
  }
  return parts.length ? parts.join(' › ') : i18next.t('capture:field.form');
}

/** One item of a list by its position from 1: "Meter readings 2". */
export const itemLabel = (label: string, n: number): string => i18next.t('capture:field.item', { label, n });

/** "1.2.0" from "field.inspect.site@1.2.0". */
export function contractVersion(ref: string): string {
  return ref.slice(ref.lastIndexOf('@') + 1);
}
