// A contract compatibility change in plain words, for people (the sealed-state view, CLI output,
// error messages). Pure and dependency-free so the renderer can use it.

export interface ChangeLike {
  contract?: string;
  previous?: string;
  path: string;
  reason: string;
}

/** e.g. "field.inspect.site@1.3.0 (after 1.2.0), field /condition: value(s) "unsafe" no longer accepted". */
export function changeInWords(c: ChangeLike): string {
  const where = c.path === '/' ? 'the record' : `field ${c.path}`;
  const after = c.previous ? ` (after ${c.previous.split('@')[1] ?? c.previous})` : '';
  return `${c.contract ? `${c.contract}${after}, ` : ''}${where}: ${c.reason}`;
}

/** `details.changes` of a CONTRACT_NOT_COMPATIBLE refusal (untrusted input), as plain sentences; malformed entries are skipped. */
export function changesInWords(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const c of raw as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const { contract, previous, path, reason } = c as Record<string, unknown>;
    if (typeof path !== 'string' || typeof reason !== 'string') continue;
    out.push(changeInWords({ path, reason, ...(typeof contract === 'string' ? { contract } : {}), ...(typeof previous === 'string' ? { previous } : {}) }));
  }
  return out;
}
