// Plain JSON values.

/** Plain JSON (bigint → string, undefined dropped, non-finite → null) so a value always canonicalises. */
export function toJsonValue<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null') as T;
}
