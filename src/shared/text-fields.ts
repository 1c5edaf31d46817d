// Which fields of a record are free text, and the word tokeniser: shared by the AI steps (runs), the
// extractive summary (inference) and the rule-based risk class (policy). Pure.

export interface TextField {
  /** JSON pointer of the string, e.g. `/findings/0/description`. */
  path: string;
  text: string;
}

const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

function collect(v: unknown, path: string, out: TextField[]): void {
  if (typeof v === 'string') {
    out.push({ path: path || '/', text: v });
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => collect(x, `${path}/${i}`, out));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) collect(x, `${path}/${esc(k)}`, out);
  }
}

function at(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Looks like prose: has a space and a letter, not an id, a date or a content hash. */
export const isFreeText = (s: string): boolean => s.length >= 12 && /\s/.test(s.trim()) && /\p{L}/u.test(s) && !/^sha256:/.test(s);

/**
 * The strings to read: under the named fields (top-level names or JSON pointers) when given, else
 * every free-text string of the input, in document order.
 */
export function textFields(input: Record<string, unknown>, fields?: readonly string[]): TextField[] {
  const out: TextField[] = [];
  if (fields && fields.length) {
    for (const f of fields) {
      const pointer = f.startsWith('/') ? f : `/${esc(f)}`;
      collect(at(input, pointer), pointer, out);
    }
    return out.filter((t) => t.text.trim().length > 0);
  }
  collect(input, '', out);
  return out.filter((t) => isFreeText(t.text));
}

export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((w) => w.length > 1);
}
