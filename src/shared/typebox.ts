// Building blocks for the shared TypeBox declarations: each shape is declared once, and both its JSON
// Schema (compiled by ajv where validation runs) and its TypeScript type (`Static<typeof …>`) come
// from that one object. The helpers write exactly the JSON Schema keywords the hand-written schemas
// used (an `enum` list, not TypeBox's anyOf of consts; a `const` without an added `type`), so ajv
// answers and reports errors as before. TypeBox's own keys are symbols, which ajv ignores.
import { Type, type ObjectOptions, type Static, type TNull, type TObject, type TProperties, type TSchema, type TUnion, type TUnsafe } from '@sinclair/typebox';

/** A closed object: `additionalProperties: false`, and a `required` list even when it is empty. */
export type TClosedObject<P extends TProperties> = TObject<P> & { required: string[] };

/** A closed object; properties wrapped in `Type.Optional` are left out of `required`. */
export function obj<P extends TProperties>(properties: P, options?: ObjectOptions): TClosedObject<P> {
  const schema = Type.Object(properties, { ...options, additionalProperties: false });
  const required = (schema.required as string[] | undefined) ?? [];
  return Object.assign(schema, { required });
}

/** The same closed object for every key of a fixed list (e.g. one entry per tier or flag). */
export function keyed<K extends string, S extends TSchema>(keys: readonly K[], value: S): TClosedObject<Record<K, S>> {
  return obj(Object.fromEntries(keys.map((k) => [k, value])) as Record<K, S>);
}

/** `{ enum: [...] }`, typed as the union of its values. */
export const enumOf = <const T extends readonly (string | number)[]>(values: T): TUnsafe<T[number]> => Type.Unsafe<T[number]>({ enum: [...values] });

/** `{ const: value }`, typed as that value. */
export const constOf = <const T extends string | number | boolean>(value: T): TUnsafe<T> => Type.Unsafe<T>({ const: value });

/** `{ anyOf: [{ type: 'null' }, s] }` */
export const nullable = <T extends TSchema>(s: T): TUnion<[TNull, T]> => Type.Union([Type.Null(), s]);

/** `{ type: ['string', 'null'], ... }`: a nullable string written as a list of types. */
export const stringOrNull = (options: { maxLength?: number; format?: string } = {}): TUnsafe<string | null> =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });

/** Any JSON object: `{ type: 'object' }`. */
export const anyObject = (): TUnsafe<Record<string, unknown>> => Type.Unsafe<Record<string, unknown>>({ type: 'object' });

/** An object used as a map: `{ type: 'object', additionalProperties: value, ... }`. */
export const mapOf = <V extends TSchema>(
  value: V,
  options: { propertyNames?: TSchema | Record<string, unknown>; maxProperties?: number } = {},
): TUnsafe<Record<string, Static<V>>> => Type.Unsafe<Record<string, Static<V>>>({ type: 'object', ...options, additionalProperties: value });
