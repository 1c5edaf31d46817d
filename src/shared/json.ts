// Plain JSON values.

/** Plain JSON (bigint → string, undefined dropped, non-finite → null) so a value always canonicalises. */
export function toJsonValue<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null') as T;
}

/** A UTF-16 surrogate without its partner: not text any encoder can write (encodeURIComponent, UTF-8, PostgreSQL). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The JSON pointer of the first string (value or key) that holds a lone surrogate, or null when every
 * string is well-formed Unicode. Inputs are checked with it before validation, so no handler meets
 * text that cannot be encoded.
 */
export function malformedTextAt(v: unknown, path = ''): string | null {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? path || '/' : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = malformedTextAt(v[i], `${path}/${i}`);
      if (p !== null) return p;
    }
    return null;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const kp = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (LONE_SURROGATE.test(k)) return kp;
      const p = malformedTextAt(x, kp);
      if (p !== null) return p;
    }
  }
  return null;
}
