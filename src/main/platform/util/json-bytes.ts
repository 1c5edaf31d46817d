/**
 * `Buffer.from(JSON.stringify(value))`, without ever holding the whole text as one JavaScript string.
 *
 * A sync batch is ~150 KB of JSON. V8 keeps a string over 128 KiB in its large-object space, on fresh
 * pages mapped for it alone, and `JSON.stringify` builds its result from pieces, so the first use of
 * the text (hashing it for the request signature) flattens it into such a string: ~0.6–1.3 ms per
 * batch on the 2-core machine, almost all of it page faults on the new pages (issue 20; 35 faults a
 * string, ~17 µs each there). Here plain objects and arrays are walked and each member is encoded on
 * its own (a sync item is ~1.5 KB), in UTF-8 chunks of at most CHUNK characters; the bytes are those
 * of `JSON.stringify(value)` (same member order, same omissions: `undefined`, functions and symbols
 * dropped from objects and written `null` in arrays; anything with `toJSON` or not a plain object or
 * array is left to `JSON.stringify` whole). `value` must not be `undefined` (JSON has no text for it).
 */
const CHUNK = 32 * 1024;
const WALK_DEPTH = 1;

const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

export function jsonBytes(value: unknown): Buffer<ArrayBuffer> {
  const out: Buffer<ArrayBuffer>[] = [];
  let chunk = '';
  const put = (s: string) => {
    chunk += s;
    if (chunk.length >= CHUNK) {
      out.push(Buffer.from(chunk, 'utf8'));
      chunk = '';
    }
  };
  // Containers are opened down to WALK_DEPTH (a batch's top object and its items array); below that
  // each member is one JSON.stringify (an item), cheaper than walking its dozen fields.
  const walk = (v: unknown, depth: number): void => {
    const open = depth <= WALK_DEPTH;
    if (open && Array.isArray(v)) {
      put('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) put(',');
        const x: unknown = v[i];
        if (skipped(x)) put('null');
        else walk(x, depth + 1);
      }
      put(']');
    } else if (open && isPlainObject(v)) {
      put('{');
      let first = true;
      for (const k of Object.keys(v)) {
        const x = v[k];
        if (skipped(x)) continue;
        put(first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`);
        first = false;
        walk(x, depth + 1);
      }
      put('}');
    } else {
      const s = JSON.stringify(v) as string | undefined;
      if (s === undefined) throw new TypeError('jsonBytes: the value has no JSON text');
      put(s);
    }
  };
  walk(value, 0);
  if (chunk.length > 0) out.push(Buffer.from(chunk, 'utf8'));
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
