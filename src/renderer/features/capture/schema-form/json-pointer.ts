// JSON Pointers (RFC 6901) as ajv reports them in `instancePath`: '' is the root, '/a/0/b' a descendant.

const escapeToken = (t: string): string => t.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeToken = (t: string): string => t.replace(/~1/g, '/').replace(/~0/g, '~');

export function childPointer(base: string, token: string | number): string {
  return `${base}/${escapeToken(String(token))}`;
}

/** ajv-style paths; the root comes back as '/' from the API's describeErrors, so normalise it to ''. */
export function normalizePointer(p: string): string {
  if (p === '/' || p === '') return '';
  return p.startsWith('/') ? p : `/${p}`;
}

export function parsePointer(p: string): string[] {
  const n = normalizePointer(p);
  return n === '' ? [] : n.slice(1).split('/').map(unescapeToken);
}

export function getAt(value: unknown, pointer: string): unknown {
  let cur: unknown = value;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[t];
    else return undefined;
  }
  return cur;
}

/** A DOM id for the control at a pointer (stable, unique within one form). */
export function fieldId(pointer: string): string {
  return `f${pointer.replace(/[^A-Za-z0-9_-]/g, (c) => (c === '/' ? '.' : `_${c.charCodeAt(0).toString(16)}`))}`;
}
