// RFC 8785 (JCS) canonical JSON. The `canonicalize` package does the serialisation; this wrapper
// refuses the values JCS cannot represent instead of silently turning them into `null` or U+FFFD.
import canonicalizeLib from 'canonicalize';

export class CanonicalJsonError extends Error {
  readonly code = 'CANONICAL_JSON_ERROR';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} at ${path || '$'}`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function check(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError('lone surrogate in string', path);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`non-finite number ${String(value)}`, path);
      return;
    case 'boolean':
      return;
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) throw new CanonicalJsonError('cyclic structure', path);
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((v, i) => check(v, `${path}[${i}]`, seen));
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          throw new CanonicalJsonError('only plain objects can be canonicalised', path);
        }
        for (const [k, v] of Object.entries(value)) {
          if (LONE_SURROGATE.test(k)) throw new CanonicalJsonError('lone surrogate in key', path);
          if (v === undefined) throw new CanonicalJsonError('undefined value', `${path}.${k}`);
          check(v, `${path}.${k}`, seen);
        }
      }
      seen.delete(value);
      return;
    }
    default:
      throw new CanonicalJsonError(`unsupported type ${typeof value}`, path);
  }
}

/** Throws unless `s` is a well-formed UTF-16 string (no lone surrogates), the JCS requirement. */
export function assertWellFormed(s: string, path = ''): void {
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError('lone surrogate in string', path);
}

const FAST_DEPTH = 64;

/**
 * check() without its bookkeeping (a path string per value, a set for cycles): true only for values
 * check() accepts; anything else, a cycle or nesting deeper than FAST_DEPTH included, returns false
 * and goes through check() for the exact error. Audit appends canonicalise every payload (issue 20).
 */
function plainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return !LONE_SURROGATE.test(value);
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth >= FAST_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !plainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[k];
        if (LONE_SURROGATE.test(k) || v === undefined || !plainJson(v, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** RFC 8785 canonical JSON text of a JSON value; throws CanonicalJsonError for non-JSON input. */
export function canonicalJson(value: unknown): string {
  if (!plainJson(value, 0)) check(value, '', new Set());
  const out = (canonicalizeLib as (v: unknown) => string | undefined)(value);
  if (out === undefined) throw new CanonicalJsonError('value has no JSON form', '');
  return out;
}
